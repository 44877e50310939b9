"""Regenerates the committed office fixtures with the real libraries that write these formats.

    python3 -m venv venv && venv/bin/pip install python-docx==1.2.0 odfpy==1.4.1 ebooklib==0.20
    venv/bin/python make_fixtures.py
"""
import datetime

import docx
from docx.enum.text import WD_BREAK
from ebooklib import epub
from odf.opendocument import OpenDocumentText
from odf.style import ListLevelProperties, Style, TextProperties
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import (H, A, LineBreak, List, ListItem, ListLevelStyleBullet, ListLevelStyleNumber, ListStyle,
                      Note, NoteBody, NoteCitation, P, S, Span, Tab)
from odf import dc, meta


def make_docx():
    d = docx.Document()
    d.core_properties.title = "Quarterly Operations Review"
    d.core_properties.author = "Dana Smith"
    d.core_properties.language = "en-GB"
    d.core_properties.modified = datetime.datetime(2024, 5, 1, 12, 0, 0)
    d.add_heading("Quarterly Operations Review", 0)
    p = d.add_paragraph("Name:\tOperations team")
    p.add_run().add_break(WD_BREAK.LINE)
    p.add_run("Second line of the same paragraph.")
    d.add_heading("Summary", 1)
    p = d.add_paragraph("Throughput rose by ")
    p.add_run("twelve percent").bold = True
    p.add_run(" while costs ")
    p.add_run("fell").italic = True
    p.add_run(".")
    d.add_paragraph("Faster onboarding", style="List Bullet")
    d.add_paragraph("Fewer escalations", style="List Bullet")
    d.add_paragraph("Collect the metrics", style="List Number")
    d.add_paragraph("Review them weekly", style="List Number")
    d.add_paragraph("Publish the report", style="List Number")
    d.add_heading("Details", 2)
    t = d.add_table(rows=3, cols=3)
    for r, row in enumerate([["Region", "Tickets", "Median hours"], ["North", "1200", "3.5"],
                             ["South", "900", "4.1"]]):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    d.add_heading("Appendix", 1)
    d.add_paragraph("Unicode survives: café, naïve, Ærøskøbing ✓")
    d.save("report.docx")


def make_odt():
    doc = OpenDocumentText()
    doc.meta.addElement(dc.Title(text="Field Guide to Tide Pools"))
    doc.meta.addElement(dc.Creator(text="Ravi Patel"))
    doc.meta.addElement(dc.Language(text="en-US"))
    bullets = ListStyle(name="Bullets")
    bullets.addElement(ListLevelStyleBullet(level=1, bulletchar="•"))
    bullets.addElement(ListLevelStyleBullet(level=2, bulletchar="◦"))
    numbers = ListStyle(name="Numbers")
    numbers.addElement(ListLevelStyleNumber(level=1, numformat="1", numsuffix="."))
    doc.automaticstyles.addElement(bullets)
    doc.automaticstyles.addElement(numbers)
    title = Style(name="Title", family="paragraph")
    doc.styles.addElement(title)
    doc.text.addElement(P(stylename=title, text="Field Guide to Tide Pools"))
    doc.text.addElement(H(outlinelevel=1, text="Anemones"))
    p = P(text="Anemones")
    p.addElement(S(c=3))
    p.addText("close when touched.")
    p.addElement(Tab())
    p.addText("Tabbed.")
    p.addElement(LineBreak())
    p.addText("New line")
    note = Note(noteclass="footnote")
    note.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text="A footnote that is left out."))
    note.addElement(body)
    p.addElement(note)
    p.addText(" ends here.")
    doc.text.addElement(p)
    span = P(text="A ")
    span.addElement(Span(text="spanned"))
    span.addText(" word and a ")
    span.addElement(A(href="https://example.org", text="link"))
    span.addText(".")
    doc.text.addElement(span)
    doc.text.addElement(H(outlinelevel=2, text="Where to look"))
    lst = List(stylename=bullets)
    for text in ["Under rocks", "In crevices"]:
        item = ListItem()
        item.addElement(P(text=text))
        lst.addElement(item)
    nested_item = ListItem()
    nested_item.addElement(P(text="Near kelp"))
    inner = List()
    inner_item = ListItem()
    inner_item.addElement(P(text="Holdfasts"))
    inner.addElement(inner_item)
    nested_item.addElement(inner)
    lst.addElement(nested_item)
    doc.text.addElement(lst)
    steps = List(stylename=numbers)
    for text in ["Wait for low tide", "Step carefully"]:
        item = ListItem()
        item.addElement(P(text=text))
        steps.addElement(item)
    doc.text.addElement(steps)
    doc.text.addElement(H(outlinelevel=1, text="Counts"))
    table = Table(name="Counts")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for row_values in [["Species", "Count"], ["Anemone", "14"], ["Sculpin", "3"]]:
        tr = TableRow()
        for value in row_values:
            cell = TableCell()
            cell.addElement(P(text=value))
            tr.addElement(cell)
        table.addElement(tr)
    doc.text.addElement(table)
    doc.save("guide.odt")


def make_epub():
    book = epub.EpubBook()
    book.set_identifier("nightshift-fixture-1")
    book.set_title("The Lighthouse Keeper")
    book.set_language("en")
    book.add_author("Mara Quinn")
    chapters = []
    # Written to the zip in the opposite order of the spine, so reading order must come from the OPF.
    for file_name, title, body in [
        ("c_intro.xhtml", "Arrival", "<p>The boat reached the island at dusk.</p><p>Gulls&nbsp;circled.</p>"),
        ("b_storm.xhtml", "The Storm", "<p>Wind tore at the lamp room.</p><h2>Aftermath</h2><p>Glass everywhere.</p>"),
        ("a_notes.xhtml", "Notes", "<p>Pop-up notes that are not in the reading order.</p>"),
    ]:
        chapter = epub.EpubHtml(title=title, file_name=file_name, lang="en")
        chapter.content = "<html><body><h1>%s</h1>%s</body></html>" % (title, body)
        chapters.append(chapter)
    for chapter in reversed(chapters):
        book.add_item(chapter)
    book.toc = [chapters[0], chapters[1]]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", chapters[0], chapters[1], (chapters[2].id, "no")]
    epub.write_epub("book.epub", book)


make_docx()
make_odt()
make_epub()
