import gettext, glob, json, random, os
random.seed(11)
c=json.load(open('corpus.json'))
c=[x for x in c if not x[0].startswith('i18n')]
for lang in ['ru','zh_CN','ja','ko','ar','he','el','uk','hi','de','fr','es','pl','tr','vi','th','pt_BR']:
    texts=[]
    for f in glob.glob(f'/usr/share/locale/{lang}/LC_MESSAGES/*.mo'):
        try:
            t=gettext.GNUTranslations(open(f,'rb'))
        except Exception: continue
        for k,v in t._catalog.items():
            if isinstance(v,str) and len(v)>=150 and k: texts.append(v)
    texts=sorted(set(texts))
    random.shuffle(texts)
    for t in texts[:40]: c.append(('i18n-'+lang, t))
    print(lang, len(texts))
json.dump(c, open('corpus.json','w'), ensure_ascii=False)
