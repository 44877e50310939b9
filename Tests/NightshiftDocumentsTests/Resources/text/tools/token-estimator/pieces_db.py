# Precompute pieces and exact counts for the corpus.
from enc import *
import json, pickle
c=json.load(open('corpus.json'))
db=[]
for cat,t in c:
    ps=pieces(t)
    db.append((cat,t,[(p,count(p)) for p in ps]))
pickle.dump(db, open('db.pkl','wb'))
