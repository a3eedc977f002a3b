// Runs in a child process: prints one JSON line saying whether Dawn (npm `webgpu`) finds an adapter.
// A child keeps a hung or crashing driver away from jest itself.
try {
  const {create, globals} = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    console.log(JSON.stringify({ok: false, reason: 'requestAdapter() returned null (no Vulkan driver Dawn accepts)'}));
  } else {
    const info = adapter.info ?? {};
    console.log(JSON.stringify({ok: true, adapter: `${info.vendor ?? '?'} / ${info.architecture ?? '?'} / ${info.description ?? ''}`.trim()}));
  }
} catch (error) {
  console.log(JSON.stringify({ok: false, reason: String(error?.message ?? error).split('\n')[0]}));
}
process.exit(0);
