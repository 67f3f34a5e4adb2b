// Types for tools/ort-binaries.mjs (imported by test/unit/ort-binaries.test.ts).
export declare const vscodeTargets: Record<string, { os: string; arch: string }>;
export declare function copyFile(src: string, dest: string): void;
export declare function copyDir(src: string, dest: string, filter?: (p: string) => boolean): void;
export declare function availableOrtTargets(nm?: string): string[];
export declare function ortBinDir(target?: string, nm?: string): string;
export declare function copyOrt(opts?: { nm?: string; out?: string; target?: string }): string;
export declare const ORT_NOT_SHIPPED: Record<string, RegExp[]>;
export declare function shipsOrtFile(os: string, name: string): boolean;
