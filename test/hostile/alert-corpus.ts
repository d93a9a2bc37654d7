/**
 * Alertmanager alerts whose labels and annotations carry Slack markup: mentions and disguised links. Slack
 * would notify the channel (or render a link under another name) if any of them reached a message unescaped.
 */
import { alert } from '../alerts/alert-payloads';

export const MARKUP = ['<!channel>', '<!here>', '<!everyone>', '<@U0EVIL>', '<!subteam^S0ALL>', '<http://evil.example|click here>', '<#C0OTHER>'];

/** Each alert puts markup in a different field; all share one hostile alert name so a storm summarises them. */
export function mentionAlerts(alertname = 'Disk<!channel>Errors'): Record<string, unknown>[] {
  return [
    alert({
      fingerprint: 'fp-markup-1',
      labels: { alertname, instance: '<!here>', severity: '<@U0EVIL>' },
      annotations: { summary: 'errors <!channel> now', description: 'see <http://evil.example|click here> <!everyone>' },
    }),
    alert({ fingerprint: 'fp-markup-2', labels: { alertname, instance: '<!subteam^S0ALL>:9100' }, annotations: { summary: '<#C0OTHER> <!here>' } }),
    alert({ fingerprint: 'fp-markup-3', labels: { alertname, instance: '<@U0EVIL>' }, annotations: { summary: 'plain' } }),
    alert({
      fingerprint: 'fp-markup-4',
      labels: { alertname, instance: 'stemedb-1', severity: '<!channel>' },
      annotations: { summary: '<!channel> on a known node' },
    }),
  ];
}

/** Any raw Slack markup from the corpus in a string (escaped `&lt;!channel&gt;` does not count). */
export function rawMarkupIn(text: string): string[] {
  return MARKUP.filter((m) => text.includes(m));
}
