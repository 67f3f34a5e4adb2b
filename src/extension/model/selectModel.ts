import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { CancelledError, ModelError } from '../../core/errors.js';
import {
  checkModelFolder,
  EMBEDDED_MODEL_ID,
  embeddedModelDir,
  MODEL_DTYPES,
  modelFolderBytes,
  ONNX_FILE_FOR_DTYPE,
  requiredModelFiles,
  resolveModelLocation,
  type ModelDtype,
} from '../../core/model/model-files.js';
import type { ModelStatus } from '../../worker/jobs.js';
import type { ContextZipLog } from '../log.js';
import { formatBytes, type ModelService } from './modelService.js';

/** The dtypes the setting offers (contributes.configuration contextzip.modelDtype). */
const SETTING_DTYPES = ['q8', 'q4', 'fp32'] as const;
type SettingDtype = (typeof SETTING_DTYPES)[number];
const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
export const EXAMPLE_HUB_MODEL = 'onnx-community/Qwen2.5-Coder-0.5B-Instruct';

/**
 * Arguments that skip the prompts (tests, keybindings, other extensions). `confirmDownload`
 * must be true for a hub model that is not downloaded yet: nothing is fetched without it.
 */
export type SelectModelArgs =
  | { kind: 'embedded'; dtype?: SettingDtype }
  | { kind: 'hub'; id: string; dtype?: SettingDtype; confirmDownload?: boolean }
  | { kind: 'local'; folder: string; dtype?: SettingDtype };

interface Choice {
  model: string;
  dtype: SettingDtype;
  allowDownload: boolean;
  label: string;
}

/**
 * "ContextZip: Select Model…": embedded / hub id / local folder, saved to the user settings,
 * then loaded in the worker with a cancellable progress notification (download progress for
 * a hub model the user confirmed).
 */
export async function selectModel(
  deps: { service: ModelService; log: ContextZipLog },
  args?: SelectModelArgs,
): Promise<ModelStatus | undefined> {
  const choice = args ? await choiceFromArgs(deps.service, args) : await promptForChoice(deps.service);
  if (!choice) return undefined;

  const config = vscode.workspace.getConfiguration('contextzip');
  const previous = {
    model: config.inspect('model')?.globalValue,
    modelDtype: config.inspect('modelDtype')?.globalValue,
  };
  await config.update('model', choice.model, vscode.ConfigurationTarget.Global);
  await config.update('modelDtype', choice.dtype, vscode.ConfigurationTarget.Global);
  const shadow = ['model', 'modelDtype'].filter((k) => {
    const i = config.inspect(k);
    return i?.workspaceValue !== undefined || i?.workspaceFolderValue !== undefined;
  });
  if (shadow.length > 0) {
    void vscode.window.showWarningMessage(
      `ContextZip: saved to your user settings, but this workspace overrides ${shadow.map((k) => `contextzip.${k}`).join(' and ')}; the workspace value stays in effect here.`,
    );
  }
  deps.log.info(`Select Model: ${choice.label} (${choice.dtype})${choice.allowDownload ? ', download allowed' : ''}`);
  try {
    return await loadWithProgress(deps, choice);
  } catch (err) {
    // A model that cannot be loaded does not stay selected: the previous choice comes back.
    await config.update('model', previous.model, vscode.ConfigurationTarget.Global);
    await config.update('modelDtype', previous.modelDtype, vscode.ConfigurationTarget.Global);
    deps.log.info(
      `Select Model: ${choice.label} not loaded; the model setting is back to ${String(previous.model ?? 'the default')}`,
    );
    if (err instanceof CancelledError) {
      void vscode.window.showInformationMessage(`ContextZip: ${err.message}`);
      return undefined;
    }
    throw err;
  }
}

async function loadWithProgress(deps: { service: ModelService; log: ContextZipLog }, choice: Choice) {
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `ContextZip: ${choice.label} (${choice.dtype})`,
      cancellable: true,
    },
    async (progress, token) => {
      progress.report({ message: choice.allowDownload ? 'Preparing download…' : 'Loading model…' });
      let lastPct = -1;
      let lastFile: string | undefined;
      const status = await deps.service.load({
        allowDownload: choice.allowDownload,
        cancellation: token,
        onProgress: (p) => {
          if (p.stage === 'download') {
            if (p.message && p.message !== lastFile) {
              lastFile = p.message;
              deps.log.info(`  downloading ${p.message}`);
            }
            const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : -1;
            if (pct === lastPct && pct >= 0) return;
            lastPct = pct;
            const size =
              p.total > 0 ? ` (${formatBytes(p.done)} of ${formatBytes(p.total)})` : ` (${formatBytes(p.done)})`;
            progress.report({ message: `Downloading ${p.message ?? 'model'}: ${pct >= 0 ? `${pct}%` : ''}${size}` });
          } else if (p.stage === 'load') {
            progress.report({ message: 'Loading model…' });
          }
        },
      });
      void vscode.window.showInformationMessage(
        `ContextZip: ${choice.label} (${status.dtype ?? choice.dtype}) is ready.`,
      );
      return status;
    },
  );
}

async function choiceFromArgs(service: ModelService, args: SelectModelArgs): Promise<Choice | undefined> {
  switch (args.kind) {
    case 'embedded':
      return {
        model: EMBEDDED_MODEL_ID,
        dtype: embeddedDtype(args.dtype),
        allowDownload: false,
        label: 'Embedded model',
      };
    case 'hub': {
      const id = args.id.trim();
      if (!HUB_ID.test(id)) throw new ModelError(`"${id}" is not a hub model id like owner/name.`, 'usage');
      const dtype = args.dtype ?? 'q8';
      const missing = hubMissing(service, id, dtype);
      if (missing && !args.confirmDownload) {
        throw new ModelError(
          `${id} (${dtype}) is not downloaded; pass confirmDownload: true to download it from ${service.hubEndpoint}.`,
          'model-not-downloaded',
        );
      }
      return { model: id, dtype, allowDownload: missing, label: id };
    }
    case 'local': {
      const folder = path.resolve(args.folder);
      return {
        model: folder,
        dtype: localDtype(folder, args.dtype),
        allowDownload: false,
        label: path.basename(folder),
      };
    }
  }
}

async function promptForChoice(service: ModelService): Promise<Choice | undefined> {
  const current = service.describe();
  type Item = vscode.QuickPickItem & { kind2: 'embedded' | 'hub' | 'local' };
  const mark = (k: string) => (current.kind === k ? ' (current)' : '');
  let embeddedSize = '';
  try {
    embeddedSize = formatBytes(modelFolderBytes(embeddedModelDir()));
  } catch {
    embeddedSize = 'missing';
  }
  const items: Item[] = [
    {
      kind2: 'embedded',
      label: `$(package) Embedded${mark('embedded')}`,
      description: `bundled, offline · ${embeddedSize}`,
      detail: 'The small code model shipped with ContextZip. Nothing is downloaded.',
    },
    {
      kind2: 'hub',
      label: `$(cloud-download) Hub model…${mark('hub')}`,
      description: current.kind === 'hub' ? current.setting : 'e.g. ' + EXAMPLE_HUB_MODEL,
      detail: `A transformers.js causal LM by id, downloaded once from ${service.hubEndpoint} into VS Code's storage.`,
    },
    {
      kind2: 'local',
      label: `$(folder-opened) Local folder…${mark('local')}`,
      description: current.kind === 'local' ? current.setting : undefined,
      detail: 'A model folder with config.json, tokenizer files and onnx/ (e.g. downloaded elsewhere).',
    },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'ContextZip: Select Compressor Model',
    placeHolder: `Current: ${current.setting} (${current.dtype})`,
  });
  if (!picked) return undefined;

  if (picked.kind2 === 'embedded') {
    return {
      model: EMBEDDED_MODEL_ID,
      dtype: embeddedDtype(current.dtype as SettingDtype),
      allowDownload: false,
      label: 'Embedded model',
    };
  }

  if (picked.kind2 === 'local') {
    const uris = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Use This Model Folder',
      title: 'ContextZip: choose a model folder (config.json, tokenizer.json, onnx/)',
    });
    if (!uris?.[0]) return undefined;
    const folder = uris[0].fsPath;
    return {
      model: folder,
      dtype: localDtype(folder, current.dtype as SettingDtype),
      allowDownload: false,
      label: path.basename(folder),
    };
  }

  const id = await vscode.window.showInputBox({
    title: 'ContextZip: Hub Model (1/3)',
    prompt: 'Hugging Face model id of a transformers.js (ONNX) causal language model',
    placeHolder: EXAMPLE_HUB_MODEL,
    value: current.kind === 'hub' ? current.setting : EXAMPLE_HUB_MODEL,
    ignoreFocusOut: true,
    validateInput: (v) =>
      HUB_ID.test(v.trim())
        ? undefined
        : 'Enter an id like owner/name (e.g. onnx-community/Qwen2.5-Coder-0.5B-Instruct)',
  });
  if (!id) return undefined;
  const dtypeItems: Array<vscode.QuickPickItem & { dtype: SettingDtype }> = [
    {
      dtype: 'q8',
      label: 'q8',
      description: '8-bit weights',
      detail: 'Good balance of size, speed and quality (default).',
    },
    {
      dtype: 'q4',
      label: 'q4',
      description: '4-bit block-quantized',
      detail: 'Smallest download and fastest; slightly less accurate.',
    },
    {
      dtype: 'fp32',
      label: 'fp32',
      description: 'full precision',
      detail: 'Largest download and slowest; reference quality.',
    },
  ];
  const dt = await vscode.window.showQuickPick(dtypeItems, {
    title: `ContextZip: Hub Model (2/3): weights of ${id.trim()}`,
    placeHolder: 'Weight precision',
    ignoreFocusOut: true,
  });
  if (!dt) return undefined;
  const model = id.trim();
  const missing = hubMissing(service, model, dt.dtype);
  if (missing) {
    const target = resolveModelLocation(model, service.cacheDir).dir;
    const ok = await vscode.window.showWarningMessage(
      `Download ${model} (${dt.dtype})?`,
      {
        modal: true,
        detail: `ContextZip will download config.json, the tokenizer files and onnx/${ONNX_FILE_FOR_DTYPE[dt.dtype]} from ${service.hubEndpoint} into ${target}. Your code is not sent anywhere; only the model files are fetched.`,
      },
      'Download',
    );
    if (ok !== 'Download') return undefined;
  }
  return { model, dtype: dt.dtype, allowDownload: missing, label: model };
}

/** Whether the hub model's files for this dtype still need downloading. */
function hubMissing(service: ModelService, id: string, dtype: ModelDtype): boolean {
  const dir = resolveModelLocation(id, service.cacheDir).dir;
  return requiredModelFiles(dtype).some((f) => !fs.existsSync(path.join(dir, f)));
}

function availableDtypes(dir: string): SettingDtype[] {
  return SETTING_DTYPES.filter((d) => fs.existsSync(path.join(dir, 'onnx', ONNX_FILE_FOR_DTYPE[d])));
}

/** The wanted dtype if the embedded model has it, else the first it has (q8 first). */
function embeddedDtype(wanted: SettingDtype | undefined): SettingDtype {
  let have: SettingDtype[] = [];
  try {
    have = availableDtypes(embeddedModelDir());
  } catch {
    // missing embedded model: the load reports it with a clear message
  }
  if (wanted && (have.length === 0 || have.includes(wanted))) return wanted;
  return have[0] ?? 'q8';
}

/** Checks a local model folder up front (a clear message naming the missing file). */
function localDtype(folder: string, wanted: SettingDtype | undefined): SettingDtype {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new ModelError(`Model folder ${folder} does not exist.`, 'model-missing');
  }
  const have = availableDtypes(folder);
  const dtype = wanted && have.includes(wanted) ? wanted : (have[0] ?? wanted ?? 'q8');
  if (!(MODEL_DTYPES as readonly string[]).includes(dtype)) throw new ModelError(`Unknown dtype ${dtype}.`, 'usage');
  checkModelFolder(folder, dtype);
  return dtype;
}
