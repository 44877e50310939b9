"""Writes langchain_cases.json: LangChain's RecursiveCharacterTextSplitter output for varied inputs.

Run from this folder with `pip install langchain-text-splitters` (1.1.3 was used):
    python3 make_langchain_cases.py
Every case uses the defaults (separators ["\\n\\n", "\\n", " ", ""], keep_separator=True, strip_whitespace=True,
length_function=len). Texts avoid multi-scalar grapheme clusters at cut points, where Nightshift deliberately
differs (it never cuts inside a cluster).
"""
import json
import random
from importlib.metadata import version

from langchain_text_splitters import RecursiveCharacterTextSplitter

PROSE = (
    "Nightshift reads documents at night and turns them into chunks. Each chunk is embedded, stored and later "
    "retrieved when someone asks a question.\n\n"
    "A good splitter keeps paragraphs together when it can. When a paragraph is too long, it falls back to lines, "
    "then to words, and only as a last resort to single characters.\n"
    "This second line belongs to the same paragraph.\n\n"
    "Short one.\n\n"
    "The overlap repeats the end of one chunk at the start of the next, so that a sentence cut in two is still "
    "found whole in one of them."
)
MARKDOWN = (
    "# Install\n\nRun `swift build` first.\n\n## Options\n\n- `--include GLOB` picks files\n- `--exclude GLOB` "
    "drops them\n- `--owner USER` makes them private\n\n```swift\nlet chunker = Chunker()\n"
    "for chunk in chunker.chunks(of: text) {\n    print(chunk.index, chunk.text)\n}\n```\n\n## Notes\n\nDone."
)
CODE = (
    "func merge(_ pieces: [Substring]) -> [String] {\n    var out: [String] = []\n    var current = \"\"\n"
    "    for piece in pieces {\n        if current.count + piece.count > limit {\n            out.append(current)\n"
    "            current = \"\"\n        }\n        current += piece\n    }\n    return out\n}\n"
)
BLANKS = "first\n\n\n\n\nsecond\n\n\n\nthird\n\n\n\n\n\n\n\nfourth\n \n \n\nfifth   \n\n   sixth"
LONG_WORDS = (
    "Antidisestablishmentarianism and pneumonoultramicroscopicsilicovolcanoconiosis are long. "
    "So is https://example.com/a/very/long/path/that/never/ends/with/any/space/at/all?query=yes&more=no "
    "and also aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
)
UNICODE = (
    "Привет, мир! Это проверка разбиения текста на части.\n\n"
    "日本語の文章も分割できます。句読点のない長い文でも問題ありません。\n\n"
    "Ça va très bien, merci. Größe, Straße, naïve café, smörgåsbord.\n\n"
    "Emoji 😀 and 🚀 and ✅ sit between words. Ελληνικά γράμματα επίσης.\n\n"
    "עברית וערבית: مرحبا بالعالم"
)
WHITESPACE = "   leading spaces\tand\ttabs   \n\n\t\tindented line\n   \n\ntrailing   "
DOCUMENTED_HARRISON = (
    "Hi.\n\nI'm Harrison.\n\nHow? Are? You?\nOkay then f f f f.\n"
    "This is a weird text to write, but gotta test the splittingggg some how.\n\n"
    "Bye!\n\n-H."
)
STATE_OF_THE_UNION_OPENING = (
    "Madam Speaker, Madam Vice President, our First Lady and Second Gentleman. Members of Congress and the "
    "Cabinet. Justices of the Supreme Court. My fellow Americans.  \n\n"
    "Last year COVID-19 kept us apart. This year we are finally together again. \n\n"
    "Tonight, we meet as Democrats Republicans and Independents. But most importantly as Americans. \n\n"
)


def random_text(rng, n):
    words = ["a", "to", "the", "chunk", "overlap", "splitter", "é", "naïve", "日本", "😀", "x" * 23, "word,", "end."]
    seps = [" ", " ", " ", " ", "\n", "\n\n", "\n\n\n", "  ", "\t", " \n"]
    out = []
    for _ in range(n):
        out.append(rng.choice(words))
        out.append(rng.choice(seps))
    return "".join(out)


def main():
    cases = []
    fixed = [
        ("prose", PROSE, [(100, 20), (50, 0), (200, 50), (30, 10), (1000, 100), (7, 3)]),
        ("markdown", MARKDOWN, [(60, 15), (25, 5)]),
        ("code", CODE, [(40, 10), (80, 0)]),
        ("blank-lines", BLANKS, [(10, 2), (20, 5), (3, 1)]),
        ("long-words", LONG_WORDS, [(20, 5), (35, 0), (50, 10)]),
        ("unicode", UNICODE, [(20, 5), (40, 10), (12, 0)]),
        ("whitespace", WHITESPACE, [(10, 3), (1, 0), (15, 15)]),
        ("documented-harrison", DOCUMENTED_HARRISON, [(10, 1)]),
        ("documented-state-of-the-union", STATE_OF_THE_UNION_OPENING, [(100, 20)]),
        ("empty", "", [(10, 0)]),
        ("only-whitespace", " \n\n \t ", [(10, 0), (2, 1)]),
    ]
    for name, text, sizes in fixed:
        for size, overlap in sizes:
            cases.append((name, text, size, overlap))
    rng = random.Random(20240611)
    for i in range(40):
        size = rng.choice([5, 8, 13, 21, 34, 55, 89])
        overlap = rng.randint(0, size // 2)
        cases.append((f"random-{i}", random_text(rng, rng.randint(5, 80)), size, overlap))
    out = []
    for name, text, size, overlap in cases:
        splitter = RecursiveCharacterTextSplitter(chunk_size=size, chunk_overlap=overlap)
        out.append({"name": name, "text": text, "chunkSize": size, "chunkOverlap": overlap,
                    "chunks": splitter.split_text(text)})
    doc = {"generator": "langchain-text-splitters " + version("langchain-text-splitters"), "cases": out}
    with open("../langchain_cases.json", "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(len(out), "cases")


if __name__ == "__main__":
    main()
