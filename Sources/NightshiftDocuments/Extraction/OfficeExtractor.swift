/// Extracts word-processing documents that are zip packages of XML: DOCX (Office Open XML) and ODT
/// (OpenDocument). The zip is read from memory through libarchive with the archive limits; the XML parts are
/// streamed through libxml2's SAX2 parser, so no DOM of the document is ever built.
///
/// Both produce the same layout: blocks separated by a blank line, list items and table rows by a line break,
/// heading marks at the headings' offsets, and the title from the package's metadata part.
public enum OfficeExtractor {}
