// Colour matrices and ranges between ffprobe's names and swscale's, so RGB frames convert back with the
// same matrix they were decoded with.

/** swscale matrix name for an ffprobe `color_space`; undefined keeps swscale's default (BT.601). */
export function swsMatrix(space: string | undefined): string | undefined {
  switch (space) {
    case 'bt709': return 'bt709';
    case 'smpte170m': return 'smpte170m';
    case 'bt470bg': return 'bt470';
    case 'smpte240m': return 'smpte240m';
    case 'fcc': return 'fcc';
    case 'bt2020nc': case 'bt2020c': return 'bt2020';
    default: return undefined;
  }
}

/** swscale range name for an ffprobe `color_range`. */
export function swsRange(range: string | undefined): string | undefined {
  return range === 'pc' ? 'pc' : range === 'tv' ? 'tv' : undefined;
}
