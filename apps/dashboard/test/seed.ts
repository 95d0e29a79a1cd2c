/** Accounts through the REST API: one for a step's cast, many for the dashboard's 1,000-row list test. */
import assert from 'node:assert/strict';
import type { APIRequestContext } from 'playwright-core';

async function adminHeaders(request: APIRequestContext, url: string, adminPassword: string) {
  const login = await request.post(`${url}/auth/login`, {
    data: { username: 'admin', password: adminPassword },
  });
  assert.equal(login.status(), 200);
  const { auth_token } = (await login.json()) as { auth_token: string };
  return { authorization: `Bearer ${auth_token}` };
}

export async function createUser(
  request: APIRequestContext,
  url: string,
  adminPassword: string,
  name: string,
  password: string,
): Promise<void> {
  const headers = await adminHeaders(request, url, adminPassword);
  const res = await request.post(`${url}/api/v1/users`, { headers, data: { name, password } });
  assert.equal(res.status(), 201, await res.text());
}

export async function createManyUsers(
  request: APIRequestContext,
  url: string,
  adminPassword: string,
  count: number,
): Promise<void> {
  const headers = await adminHeaders(request, url, adminPassword);
  const names = Array.from({ length: count }, (_, i) => `user-${String(i).padStart(4, '0')}`);
  for (let i = 0; i < names.length; i += 25) {
    await Promise.all(
      names.slice(i, i + 25).map(async (name) => {
        const res = await request.post(`${url}/api/v1/users`, {
          headers,
          data: { name, password: 'password-1234', fullName: `Test user ${name}` },
        });
        assert.equal(res.status(), 201, await res.text());
      }),
    );
  }
}
