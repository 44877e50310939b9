"""Writes the text-extraction fixtures of this folder (run from tools/: python3 make_text_fixtures.py)."""
import json

PLAIN = (
    "Nightshift ingestion notes\n\n"
    "Plain text keeps its paragraphs. Accents stay: café, naïve, Größe.\n"
    "A second line of the same paragraph.\n\n"
    "Emoji 👩‍💻 and flags 🇫🇷 survive decoding.\n"
)


def write(name, data):
    with open("../" + name, "wb") as f:
        f.write(data)


def main():
    write("plain-utf8.txt", PLAIN.encode("utf-8"))
    write("plain-utf8-bom.txt", b"\xef\xbb\xbf" + PLAIN.encode("utf-8"))
    write("plain-utf16le.txt", b"\xff\xfe" + PLAIN.encode("utf-16-le"))
    write("plain-utf16be.txt", b"\xfe\xff" + PLAIN.encode("utf-16-be"))
    write("plain-crlf.txt", PLAIN.replace("\n", "\r\n").encode("utf-8"))
    # Three invalid sequences in otherwise valid text: a lone continuation byte, a truncated sequence, 0xFF.
    write("invalid-utf8-some.txt", "Grüße ".encode() + b"\x80" + b" and " + b"\xe2\x82" + b" end " + b"\xff" + b"\n")
    # Latin-1 bytes mostly above 0x7F: not UTF-8 beyond repair.
    write("invalid-utf8-mostly.txt", bytes(range(0x80, 0x100)) * 4)
    guide = (
        "---\ntitle: \"Ingestion Guide\"\nauthor: Night Shift\ntags: [a, b]\n---\n\n"
        "Intro paragraph with a [link](https://example.com/docs \"Docs\") and an ![diagram](img/flow.png).\n\n"
        "# Getting started\n\n"
        "Install it, then read <https://example.com/start>. See [the reference][ref].\n\n"
        "## Options ##\n\n"
        "- `--include GLOB` picks files\n- [x] done item\n- `[not](a link)` in code stays\n\n"
        "```bash\n# not a heading: a comment in a code fence\nnightshift ingest [docs](./docs)\n```\n\n"
        "Setext heading\n==============\n\n"
        "Under the setext heading.\n\n"
        "Second level\n------------\n\n"
        "<!-- a comment\nspanning lines -->\n"
        "### Deep *heading*\n\n"
        "Text under deep.\n\n"
        "    # indented code, not a heading\n\n"
        "[ref]: https://example.com/reference\n"
    )
    write("guide.md", guide.encode("utf-8"))
    write("guide-crlf.md", guide.replace("\n", "\r\n").encode("utf-8"))
    lines = [
        json.dumps({"_id": "4983", "title": "Microstructural development", "text": "Alterations of the architecture "
                    "of cerebral white matter in the developing human brain can affect cortical development."}),
        json.dumps({"_id": 5836, "title": "Induction of myelodysplasia", "text": "Myelodysplastic syndromes (MDS) "
                    "are age-dependent stem cell malignancies.", "meta": {"year": 2011}}),
        "",
        "{this is not json}",
        json.dumps(["an", "array"]),
        json.dumps({"_id": "7912", "title": "No text here"}),
        json.dumps({"_id": "8000", "text": "   "}),
        json.dumps({"_id": "18670", "text": "Line one\nLine two, café ☕", "meta": {"title": "Nested title"}}),
    ]
    body = "\r\n".join(lines) + "\r\n"
    write("records.jsonl", body.encode("utf-8"))


if __name__ == "__main__":
    main()
