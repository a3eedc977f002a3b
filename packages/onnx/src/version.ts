/** This package's version, written into every exported model's metadata (kept equal to package.json by a test). */
export const PACKAGE_VERSION = '0.0.0';
