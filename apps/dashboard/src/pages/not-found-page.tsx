/** A dashboard path that does not exist. */
import { Link } from 'react-router';
import { Page } from '../ui/page.js';

export default function NotFoundPage() {
  return (
    <Page title="Page not found">
      <p>
        There is no dashboard page at this address. Go to the <Link to="/">overview</Link>.
      </p>
    </Page>
  );
}
