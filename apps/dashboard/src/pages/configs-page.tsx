/** Configs: see swarm-data-page.tsx (secrets and configs are the same form and list). */
import { SwarmDataPage } from './swarm-data-page.js';

export default function ConfigsPage() {
  return <SwarmDataPage kind="configs" />;
}
