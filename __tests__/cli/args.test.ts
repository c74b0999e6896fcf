import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/cli/args.js';

const usage = (argv: string[]) => {
  try {
    parseArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
};

describe('parseArgs (the command line, read with node:util)', () => {
  it('reads the command, `--option value` and `--option=value`', () => {
    const args = parseArgs(['publish', '--key-id', 'ABC123', '--path=build/*.ipa', '--whats-new', '-x marks the spot']);
    expect(args.command).toBe('publish');
    expect(Object.fromEntries(args.inputs)).toEqual({ 'key-id': 'ABC123', path: 'build/*.ipa', 'whats-new': '-x marks the spot' });
    expect(args).toMatchObject({ help: false, empty: false, json: false, verbose: false });
  });

  it('joins a repeated repeatable option with newlines, in order', () => {
    const args = parseArgs(['publish', '--beta-groups', 'QA', '--beta-groups=Friends', '--path', 'a.ipa', '--path', 'b.ipa']);
    expect(args.inputs.get('beta-groups')).toBe('QA\nFriends');
    expect(args.inputs.get('path')).toBe('a.ipa\nb.ipa');
  });

  it('takes a boolean input alone, with true/false after it, or inline', () => {
    const args = parseArgs([
      'publish',
      '--submit-beta-review',
      '--notify-testers',
      'false',
      '--expire-previous-builds=TRUE',
      '--uses-non-exempt-encryption',
    ]);
    expect(Object.fromEntries(args.inputs)).toEqual({
      'submit-beta-review': 'true',
      'notify-testers': 'false',
      'expire-previous-builds': 'TRUE',
      'uses-non-exempt-encryption': 'true',
    });
    // A word that is not true/false after a boolean flag is the command, not its value.
    expect(parseArgs(['--submit-beta-review', 'publish']).command).toBe('publish');
  });

  it('keeps a PEM key given inline whole, though it starts with dashes', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIGT\n-----END PRIVATE KEY-----';
    expect(parseArgs(['publish', '--private-key', pem]).inputs.get('private-key')).toBe(pem);
  });

  it('reads the command line switches and files', () => {
    const args = parseArgs(['latest-build-number', '--json', '--verbose', '--summary-file', 's.md', '--private-key-path=k.p8']);
    expect(args).toMatchObject({ json: true, verbose: true, summaryFile: 's.md', privateKeyPath: 'k.p8', command: 'latest-build-number' });
    expect(parseArgs(['-h']).help).toBe(true);
    expect(parseArgs(['help', 'publish']).help).toBe(true);
    expect(parseArgs([]).empty).toBe(true);
    expect(parseArgs(['--command', 'distribute']).command).toBe('distribute');
  });

  it('refuses what cannot be run, naming the option', () => {
    expect(usage(['publish', '--beta-group', 'QA'])).toBe('unknown option `--beta-group`. Did you mean `--beta-groups`?');
    expect(usage(['publish', '-x'])).toBe('unknown option `-x`.');
    expect(usage(['publish', '--key-id'])).toBe('option `--key-id` needs a value.');
    expect(usage(['publish', '--key-id', '--json'])).toBe('option `--key-id` needs a value.');
    expect(usage(['publish', '--key-id', 'A', '--key-id=B'])).toBe('option `--key-id` is given more than once: keep one.');
    expect(usage(['publish', '--json=yes'])).toBe('option `--json` takes no value.');
    expect(usage(['upload'])).toBe(
      'unknown command `upload`: use one of publish, distribute, resume, latest-build-number, release, webhook.',
    );
    expect(usage(['publish', 'resume'])).toBe('unexpected argument `resume`: give one command, then options.');
    expect(usage(['publish', '--command', 'resume'])).toContain('the command is given twice');
    // A stray secret is not echoed back.
    expect(usage(['publish', 'x'.repeat(64)])).toBe('unexpected argument (64 characters, not shown): give one command, then options.');
  });
});
