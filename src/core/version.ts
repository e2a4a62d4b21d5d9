/** Product identity reported by `--version`, `version` and the API index. Kept equal to package.json by a test. */
export const PRODUCT = 'Kuma';
export const IMPLEMENTATION = 'kuma-ts';
export const VERSION = '0.1.0';
