import { createInterface } from 'node:readline';
import type { Services } from '../app/services';
import { dispatchCommand } from '../dispatch/dispatch-command';
import type { ChatPort } from '../surfaces/chat-port';
import { createShellChat } from './shell-chat';
import { shellReply } from './shell-reply';
import { terminalText, type TerminalStream } from './terminal-output';

export const SHELL_USER = { userId: 'U0LOCALSHELL', userName: 'local-shell' };

/** Names for the user IDs the shell can show: itself and the built-in demo's escalation chain. */
const KNOWN_NAMES: Record<string, string> = {
  [SHELL_USER.userId]: SHELL_USER.userName,
  U0DEMOSRE: 'storage-sre',
  U0DEMODBE: 'database-engineer',
  U0DEMOPE: 'principal-engineer',
  U0DEMOMGR: 'oncall-manager',
};

/**
 * A prompt where commands (typed as in Slack, `/stemedb` optional) run the same handlers and print the same
 * content as text. Output from background work (alerts, pages, compaction progress) arrives between prompts:
 * the input line is cleared, the message printed and the prompt redrawn with what was typed so far. Reads until
 * EOF or `exit`, so it also works with piped input (scripts, tests).
 */
export interface LocalShell {
  /** Bot-initiated messages (pages, alert threads, progress) printed between prompts; given to the runtime. */
  messenger: ChatPort;
  /** Reads commands until EOF or `exit`, running them with these services. */
  run(services: Services, banner: string): Promise<void>;
}

/**
 * Built before the runtime, so the runtime gets the shell's messenger at construction (nothing swaps it later).
 */
export function createLocalShell(options: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; chartsDir?: string }): LocalShell {
  const { input } = options;
  const output = options.output as NodeJS.WritableStream & TerminalStream;
  const interactive = (input as { isTTY?: boolean }).isTTY === true;
  const rl = createInterface({ input, output: interactive ? output : undefined, prompt: 'stemedb> ', terminal: interactive });
  let busy = true;
  const render = (text: string) => terminalText(text, interactive ? output.columns : undefined, { userName: (id) => KNOWN_NAMES[id] });
  const print = (text: string) => output.write(`${render(text)}\n`);
  const background = (text: string) => {
    if (!interactive || busy) return print(text);
    output.write('\r\x1b[K');
    print(text);
    rl.prompt(true);
  };
  return {
    messenger: createShellChat(background, { chartsDir: options.chartsDir }),
    async run(services, banner) {
      print(banner);
      const ready = () => {
        busy = false;
        if (interactive) rl.prompt();
      };
      ready();
      for await (const raw of rl) {
        busy = true;
        const line = raw.trim().replace(/^\/stemedb\b\s*/, '');
        if (line === 'exit' || line === 'quit') break;
        if (line !== '') {
          await dispatchCommand(line, { surface: 'shell', invoker: SHELL_USER, services, reply: shellReply(print) });
        }
        ready();
      }
      rl.close();
    },
  };
}
