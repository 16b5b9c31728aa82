import { test } from 'node:test';
import { readMslSigns } from '/work/main/workers/src/transcriber/replay.ts';
import { trainSmallModel } from '/work/main/workers/src/transcriber/small-model.ts';
import { TfjsRecognizer } from '/work/main/workers/src/transcriber/recognizer.ts';
const SIGNS=['ambulancia','doctor','dolor','hoy','yo'];
test('x', async () => {
 const root='/work/shared/fixtures/msl150/sample_npy';
 for (const [n,ep] of [[4,60],[8,60],[8,120]] as const) {
  const train = await readMslSigns(root, SIGNS, n, 0);
  const live = await readMslSigns(root, SIGNS, 3, 8);
  const t0=Date.now();
  const {model,labels} = await trainSmallModel(train,{epochs:ep});
  const r = new TfjsRecognizer('a','1',model,{labels,featureLayout:'msl226'});
  let c=0; const wrong:string[]=[];
  for (const s of live){const x=r.recognize(s.frames.map(f=>Float32Array.from(f))); if(x.label===s.label)c++; else wrong.push(s.label+'->'+x.label);}
  console.log(n,ep,c,'/',live.length,Date.now()-t0,'ms',wrong.join(' '));
 }
});
