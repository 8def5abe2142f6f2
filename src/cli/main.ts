import { InspectError, describeError } from '../errors.js';
import { redact } from '../redact.js';
import { showOutsideText } from '../render/outsideText.js';
import { INSPECTOR_VERSION } from '../version.js';
import { commandHelp, isCommand, parseCli, USAGE } from './args.js';
import { errorLine, type CliIo } from './cliIo.js';
import { EXIT } from './exitCodes.js';

export type { CliIo } from './cliIo.js';

/**
 * The entry point: parses the command line and hands it to one command. The
 * commands (inspectCommand.ts, scanCommand.ts) sit side by side and return an
 * exit code from exitCodes.ts; none imports this file.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let debug = argv.includes('--debug');
  try {
    const args = parseCli(argv);
    switch (args.command) {
      case 'help':
        if (args.bare) { io.stderr.write(`${USAGE}\n`); return EXIT.usage; }
        io.stdout.write(`${args.topic ? commandHelp(args.topic) : USAGE}\n`);
        return EXIT.clean;
      case 'version':
        io.stdout.write(`${INSPECTOR_VERSION}\n`);
        return EXIT.clean;
      case 'scan': {
        debug = args.debug;
        const { runScan } = await import('./scanCommand.js');
        return await runScan(args, io);
      }
      case 'merge': {
        debug = args.debug;
        const { runMerge } = await import('./mergeCommand.js');
        return await runMerge(args, io);
      }
      case 'inspect': {
        debug = args.debug;
        const { runInspect } = await import('./inspectCommand.js');
        return await runInspect(args, io);
      }
      case 'diagnose': {
        debug = args.debug;
        const { runDiagnose } = await import('./diagnoseCommand.js');
        return await runDiagnose(args, io);
      }
    }
  } catch (e) {
    if (e instanceof InspectError) {
      io.stderr.write(errorLine(e.message));
      if (e.code === 'usage') {
        const command = isCommand(argv[0]) ? `${argv[0]} ` : '';
        io.stderr.write(`Run "rotation-inspector ${command}--help" for usage.\n`);
        return EXIT.usage; // a usage error is one line, even under --debug
      }
    } else {
      io.stderr.write(errorLine(`internal error: ${describeError(e)}${debug ? '' : ' (run with --debug for details)'}`));
    }
    if (debug && e instanceof Error && e.stack) io.stderr.write(`${e.stack.split('\n').map((line) => showOutsideText(redact(line))).join('\n')}\n`);
    return EXIT.couldNotJudge;
  }
}
