import ignore, { type Ignore } from 'ignore';
import * as vscode from 'vscode';

/**
 * .gitignore rules of a workspace folder: the root .gitignore, .git/info/exclude and nested
 * .gitignore files (each applies to its own subtree). Returns a predicate on folder-relative
 * paths (forward slashes).
 */
export async function loadGitignore(folder: vscode.Uri): Promise<(relPath: string) => boolean> {
  const layers: Array<{ dir: string; rules: Ignore }> = [];
  const read = async (uri: vscode.Uri): Promise<string | undefined> => {
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      return undefined;
    }
  };
  const rootRules = ignore();
  for (const rel of ['.git/info/exclude', '.gitignore']) {
    const text = await read(vscode.Uri.joinPath(folder, rel));
    if (text) rootRules.add(text);
  }
  layers.push({ dir: '', rules: rootRules });
  const nested = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/.gitignore'), '**/node_modules/**');
  for (const uri of nested) {
    const rel = uri.path.slice(folder.path.replace(/\/$/, '').length + 1);
    const dir = rel.slice(0, -'.gitignore'.length);
    if (dir === '') continue;
    const text = await read(uri);
    if (text) layers.push({ dir, rules: ignore().add(text) });
  }
  // deepest rules last: a nested .gitignore can re-include what its parent ignored
  layers.sort((a, b) => a.dir.length - b.dir.length);
  return (relPath: string) => {
    let ignored = false;
    for (const { dir, rules } of layers) {
      if (dir && !relPath.startsWith(dir)) continue;
      const sub = relPath.slice(dir.length);
      const r = rules.test(sub);
      if (r.ignored) ignored = true;
      else if (r.unignored) ignored = false;
    }
    return ignored;
  };
}
