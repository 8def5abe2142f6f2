/** Kept equal to package.json's version by a test; cached scan results carry it. */
export const INSPECTOR_VERSION = '0.2.0';
