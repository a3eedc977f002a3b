// The built-in example pair (three consecutive frames of a public-domain clip, examples/frames in the repository),
// served beside the page as examples/frame0.png, frame1.png and truth.png (vite.config.ts).

/** URLs of the example frames (frame 0, frame 1), relative to the page. */
export const EXAMPLE_PAIR: readonly [string, string] = [
  new URL('examples/frame0.png', document.baseURI).href,
  new URL('examples/frame1.png', document.baseURI).href,
];

/** URL of the real middle frame of the example pair (for PSNR). */
export const EXAMPLE_TRUTH = new URL('examples/truth.png', document.baseURI).href;
