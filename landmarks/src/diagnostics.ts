/** Memory of the LiteRT runtime, for leak checks: both should stay flat across frames. */
export async function liteRtMemory(): Promise<{ liveTensors: number; wasmHeapBytes: number }> {
  const runtime = await import('./mediapipe/runtime.js');
  return { liveTensors: runtime.liveTensorCount(), wasmHeapBytes: await runtime.liteRtHeapBytes() };
}
