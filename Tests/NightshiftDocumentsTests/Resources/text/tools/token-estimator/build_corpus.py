import json, os, re, random, glob, html
from html.parser import HTMLParser
random.seed(7)
out = []  # (category, text)
# 1. trafilatura pages: <p> paragraphs, and hrefs
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.paras=[]; self.cur=None; self.skip=0; self.hrefs=[]
    def handle_starttag(self, tag, attrs):
        if tag in ('script','style'): self.skip+=1
        if tag=='p': self.cur=[]
        if tag=='a':
            for k,v in attrs:
                if k=='href' and v and v.startswith('http'): self.hrefs.append(v)
    def handle_endtag(self, tag):
        if tag in ('script','style') and self.skip: self.skip-=1
        if tag=='p' and self.cur is not None:
            t=' '.join(''.join(self.cur).split())
            if len(t)>=150: self.paras.append(t)
            self.cur=None
    def handle_data(self, d):
        if self.cur is not None and not self.skip: self.cur.append(d)
EN = set('the and of to is in that for with was are this on it as be by'.split())
pages = sorted(glob.glob('/work/shared/benchmarks/html/trafilatura-eval/pages/*.html'))
hrefs=[]
for f in pages:
    raw=open(f,'rb').read()
    try: s=raw.decode('utf-8')
    except UnicodeDecodeError: s=raw.decode('latin-1')
    p=P()
    try: p.feed(s)
    except Exception: continue
    hrefs+=p.hrefs[:20]
    for t in p.paras[:6]:
        words=re.findall(r"[A-Za-z]+", t.lower())
        ratio = sum(w in EN for w in words)/max(1,len(t.split()))
        if ratio>0.12 and sum(ord(c)<128 for c in t)/len(t)>0.97: out.append(('prose-en-web', t))
        elif ratio<0.03: out.append(('non-en', t))
# 2. scifact abstracts
lines=open('/work/shared/benchmarks/scifact/corpus.jsonl').read().splitlines()
for l in random.sample(lines, 300):
    r=json.loads(l); out.append(('prose-en-sci', r['text']))
# 3. markdown docs: GRDB/argument-parser/log docs
mds = sorted(glob.glob('/work/main/.build/checkouts/**/*.md', recursive=True))
for f in mds:
    s=open(f, encoding='utf-8', errors='replace').read()
    paras=[p for p in s.split('\n\n') if len(p)>150]
    for p in paras[:15]:
        cat = 'markdown-code' if '```' in p else ('markdown-list' if re.match(r'\s*[-*\d]', p) else 'markdown-prose')
        out.append((cat, p))
# 4. code
swift = sorted(glob.glob('/work/main/.build/checkouts/**/*.swift', recursive=True))
for f in random.sample(swift, 60):
    L=open(f, encoding='utf-8', errors='replace').read().split('\n')
    if len(L)>60:
        i=random.randrange(0, len(L)-40); out.append(('code-swift', '\n'.join(L[i:i+40])))
import sysconfig
py = sorted(glob.glob(sysconfig.get_paths()['stdlib']+'/*.py'))
for f in random.sample(py, 60):
    L=open(f, encoding='utf-8', errors='replace').read().split('\n')
    if len(L)>60:
        i=random.randrange(0, len(L)-40); out.append(('code-python', '\n'.join(L[i:i+40])))
# 5. urls, numbers, lists
random.shuffle(hrefs)
for i in range(0, min(len(hrefs), 600), 15):
    out.append(('urls', '\n'.join(hrefs[i:i+15])))
for i in range(40):
    rows=[]
    for j in range(12):
        rows.append(', '.join([str(random.randint(0,10**random.randint(1,9))) for _ in range(5)] + ['%.3f'%random.uniform(-100,100)]))
    out.append(('numbers', '\n'.join(rows)))
json.dump(out, open('corpus.json','w'), ensure_ascii=False)
from collections import Counter
print(Counter(c for c,_ in out))
