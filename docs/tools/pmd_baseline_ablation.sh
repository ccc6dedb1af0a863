#!/usr/bin/env bash
# Experiment-ii posture accuracy through pmap-analyze, with the automatic baseline removal and
# without it (--keep-baseline): `posture_frame` against the file's label (docs/calibration.md).
B=${B:-build/bin}; PMD=${PMD:-../shared/data/pmd}
files=$(ls $PMD/experiment-ii/S*/*/Matrix_*_*.txt)
for extra in "" "--keep-baseline"; do
  $B/pmap-analyze --format pmd --mirror --head auto $extra $files | python3 -c "
import json,sys,re
lab={'B':'supine','C':'right','D':'left','F':'supine'}
ok=n=0
for line in sys.stdin:
    j=json.loads(line); m=re.search(r'_([A-F])(\d+)\.txt$', j['file'])
    if m is None: continue
    code,num=m.group(1),int(m.group(2))
    want=lab.get(code) or ('right' if num in (1,2,5) else 'left')
    n+=1; ok+= j['posture_frame']==want
print('${extra:-baseline removed}: %d / %d = %.2f %%'%(ok,n,100*ok/n))"
done
