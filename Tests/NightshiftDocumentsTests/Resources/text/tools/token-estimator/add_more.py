import json, random, ast, glob, sysconfig, re
random.seed(5)
c=json.load(open('corpus.json'))
lines=open('/work/shared/benchmarks/scifact/corpus.jsonl').read().splitlines()
have=set(t for _,t in c)
extra=[]
for l in random.sample(lines, 1200):
    r=json.loads(l)
    if r['text'] not in have and r['text']: extra.append(('prose-en-sci', r['text']))
docs=[]
for f in sorted(glob.glob(sysconfig.get_paths()['stdlib']+'/**/*.py', recursive=True)):
    if '/test' in f or 'site-packages' in f: continue
    try: tree=ast.parse(open(f,encoding='utf-8').read())
    except Exception: continue
    for node in ast.walk(tree):
        if isinstance(node,(ast.FunctionDef,ast.ClassDef,ast.Module)):
            d=ast.get_docstring(node)
            if d and len(d)>300: docs.append(d)
random.shuffle(docs)
for d in docs[:800]: extra.append(('prose-en-doc', d))
for f in glob.glob('/usr/share/common-licenses/*'):
    try: s=open(f).read()
    except Exception: continue
    for p in s.split('\n\n'):
        if len(p)>300: extra.append(('prose-en-license', p))
print(len(extra), len(docs))
c+=extra
json.dump(c, open('corpus.json','w'), ensure_ascii=False)
