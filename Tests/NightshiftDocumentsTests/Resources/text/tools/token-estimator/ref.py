"""Reference scanner: emulates cl100k_base's pre-tokenizer with character classes, as the Swift code will."""
import unicodedata
WS=set([0x09,0x0a,0x0b,0x0c,0x0d,0x20,0x85,0xa0,0x1680,0x2028,0x2029,0x202f,0x205f,0x3000]+list(range(0x2000,0x200b)))
# classes: L letter, N number, S whitespace, P other
def cls(ch):
    o=ord(ch)
    if o in WS: return 'S'
    cat=unicodedata.category(ch)
    if cat[0]=='L': return 'L'
    if cat[0]=='N': return 'N'
    return 'P'
def pieces(t):
    n=len(t); cl=[cls(c) for c in t]; i=0; out=[]
    while i<n:
        c=t[i]; k=cl[i]
        # 1 contraction
        if c=="'" and i+1<n:
            a=t[i+1].lower(); b=t[i+2].lower() if i+2<n else ''
            if a in 'sdmt': out.append(t[i:i+2]); i+=2; continue
            if a+b in ('ll','ve','re'): out.append(t[i:i+3]); i+=3; continue
        # 2 letters with optional prefix
        if k=='L' or (k!='N' and c not in '\r\n' and i+1<n and cl[i+1]=='L'):
            j=i+1
            while j<n and cl[j]=='L': j+=1
            out.append(t[i:j]); i=j; continue
        # 3 numbers
        if k=='N':
            j=i
            while j<n and j<i+3 and cl[j]=='N': j+=1
            out.append(t[i:j]); i=j; continue
        # 4 punct
        if k=='P' or (c==' ' and i+1<n and cl[i+1]=='P'):
            j=i+1 if c==' ' else i
            while j<n and cl[j]=='P': j+=1
            while j<n and t[j] in '\r\n': j+=1
            out.append(t[i:j]); i=j; continue
        # whitespace
        j=i
        while j<n and cl[j]=='S': j+=1
        if j==n: out.append(t[i:j]); i=j; continue
        last=-1
        for q in range(i,j):
            if t[q] in '\r\n': last=q
        if last>=0: out.append(t[i:last+1]); i=last+1; continue
        if j-i>=2: out.append(t[i:j-1]); i=j-1; continue
        out.append(t[i]); i+=1
    return out
if __name__=='__main__':
    import pickle
    db=pickle.load(open('db.pkl','rb'))
    bad=0
    for cat,t,ps in db:
        mine=pieces(t)
        if mine!=[p for p,_ in ps]:
            bad+=1
            if bad<4:
                for a,b in zip(mine,[p for p,_ in ps]):
                    if a!=b: print(cat, repr(a), repr(b)); break
    print('mismatch', bad, 'of', len(db))
