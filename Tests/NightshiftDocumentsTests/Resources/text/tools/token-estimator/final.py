import pickle, random, numpy as np
from fit import *
db=pickle.load(open('db.pkl','rb'))
random.seed(3); idx=list(range(len(db))); random.shuffle(idx)
train=idx[:len(idx)//2]; test=idx[len(idx)//2:]
th=fit(train,db,1,1,1); np.save('th_half.npy',th)
thq=np.round(th*64)/64
print('half-fit, quantized 1/64, held-out:'); evaluate(test,db,thq)
tri=th[O_TRI:O_TRI+N_TRI]; print('tri range', tri.min(), tri.max(), (np.abs(tri)>1/128).sum())
full=fit(list(range(len(db))),db,1,1,1); np.save('th_full.npy',full)
print('full range', full.min(), full.max())
