import numpy as np, base64
from fit import *
from ref import pieces, cls
th=np.load('th_full.npy'); q=np.round(th*64).astype(int)
BASE=q[O_BASE:O_BASE+N_BASE]; LONG=int(q[O_LONG]); TRI=np.clip(q[O_TRI:O_TRI+N_TRI],-127,127)
PCH=q[O_PCH:O_PCH+N_PCH]; NA=q[O_NA:O_NA+N_NA]; PU=q[O_PU:O_PU+14]; PAIRS=np.clip(q[O_PU+14:O_PU+N_PU],-127,127)
def cost_int(p):
    c0=p[0]; k0=cls(c0)
    if p[0]=="'" and 2<=len(p)<=3 and p[1:].lower() in ('s','d','m','t','ll','ve','re'): return 64
    if k0=='N': return 64
    if all(cls(c)=='S' for c in p):
        sp=p.count(' '); other=len(p)-sp
        return 64 + 4*max(0,other-1) + (sp*4)//5
    if cls(p[-1])=='L':
        if k0=='L': pre=0; w=p
        else: w=p[1:]; pre = 1 if c0==' ' else (2 if c0 in PI else 3)
        if w.isascii():
            tot=0; humps=[]; cur=''
            for ch in w:
                if cur and ch.isupper() and cur[-1].islower(): humps.append(cur); cur=''
                cur+=ch
            humps.append(cur)
            for j,h in enumerate(humps):
                pr = pre if j==0 else 4
                nup=sum(ch.isupper() for ch in h); L=len(h)
                tot+=BASE[(pr*3+case_of(nup,h[0].isupper(),L))*MAXL+min(L,MAXL)-1]
                if L>MAXL: tot+=LONG*(L-MAXL)
                seq=[26]+[ord(ch.lower())-97 for ch in h]+[26]
                for a,b,c in zip(seq,seq[1:],seq[2:]): tot+=TRI[(a*27+b)*27+c]
            if pre==2: tot+=PCH[PI[c0]]
            return int(tot)
        tot=NA[0]+(NA[1] if pre==1 else 0)+(NA[2] if pre in (2,3) else 0)
        for ch in w:
            o=ord(ch); tot+= NA[3] if o<128 else NA[4+script(o)]
        return int(tot)
    body=p; tot=0
    if body[0]==' ': tot+=PU[0]; body=body[1:]
    body=body.rstrip('\r\n')
    n=sum(1 for ch in body if ord(ch)<128)
    if n>0: tot+=PU[1+min(n,9)-1]+PU[10]*max(0,n-9)
    for ch in body:
        if ord(ch)>=128: tot+=PU[11+len(ch.encode())-2]
    for a,b in zip(body,body[1:]):
        if a in PI and b in PI: tot+=PAIRS[PI[a]*32+PI[b]]
    return int(tot)
def estimate_int(t):
    tot=sum(cost_int(p) for p in pieces(t))
    return (max(0,tot)+32)//64
def swift_tables():
    def arr(a, per=20):
        s=[str(int(x)) for x in a]
        return '\n'.join('        '+', '.join(s[i:i+per])+',' for i in range(0,len(s),per))
    b64=lambda a: base64.b64encode(np.array(a,dtype=np.int8).tobytes()).decode()
    return dict(base=arr(BASE), long=LONG, pch=arr(PCH), na=arr(NA), pu=arr(PU), tri=b64(TRI), pairs=b64(PAIRS))
if __name__=='__main__':
    import pickle
    db=pickle.load(open('db.pkl','rb'))
    evaluate(range(len(db)), db, None, est=estimate_int)
