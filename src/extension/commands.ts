/**
 * One command registrar and one error guard for every ContextZip command. A user mistake
 * (UsageError: no editor open, empty query, absurd budget) is an information message and one
 * plain log line; a cancellation is one log line; anything else is an error notification with
 * the stack in the log only.
 */
import * as vscode from 'vscode';
import { CancelledError, UsageError } from '../core/errors.js';
import type { ContextZipLog } from './log.js';

export type CommandRegistrar = (id: string, run: (...args: never[]) => unknown) => unknown;

export function commandRegistrar(context: vscode.ExtensionContext, log: ContextZipLog): CommandRegistrar {
  return (id, run) => context.subscriptions.push(vscode.commands.registerCommand(id, guarded(id, run, log)));
}

export function guarded<A extends unknown[], R>(id: string, run: (...args: A) => R, log: ContextZipLog) {
  return async (...args: A): Promise<Awaited<R> | undefined> => {
    try {
      return await run(...args);
    } catch (err) {
      reportCommandError(id, err, log);
      return undefined;
    }
  };
}

export function reportCommandError(id: string, err: unknown, log: ContextZipLog): void {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof CancelledError) {
    log.info(`${id}: cancelled`);
    return;
  }
  if (err instanceof UsageError) {
    log.info(`${id}: ${message}`);
    void vscode.window.showInformationMessage(`ContextZip: ${message}`);
    return;
  }
  log.error(`${id} failed`, err);
  void vscode.window.showErrorMessage(`ContextZip: ${message.split('\n')[0]}`, 'Show Output').then((pick) => {
    if (pick) log.show(false);
  });
}
