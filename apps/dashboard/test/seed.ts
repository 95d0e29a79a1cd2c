/** Many accounts at once through the REST API, for the dashboard's 1,000-row list test. */
import assert from 'node:assert/strict';
import type { APIRequestContext } from 'playwright-core';

export async function createManyUsers(
  request: APIRequestContext,
  url: string,
  adminPassword: string,
  count: number,
): Promise<void> {
  const login = await request.post(`${url}/auth/login`, {
    data: { username: 'admin', password: adminPassword },
  });
  assert.equal(login.status(), 200);
  const { auth_token } = (await login.json()) as { auth_token: string };
  const headers = { authorization: `Bearer ${auth_token}` };
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
