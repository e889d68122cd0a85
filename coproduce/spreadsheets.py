"""CSV downloads that are safe to open in a spreadsheet: a cell starting with
=, +, -, @, a tab or a carriage return gets a single quote in front, so a
spreadsheet never runs what a member typed as a formula."""

import csv

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(cell):
    if isinstance(cell, str) and cell.startswith(DANGEROUS):
        return "'" + cell
    return cell


class SafeWriter:
    """csv.writer whose cells are made safe first; ``writerow`` returns what
    the stream's write returns (the line itself, for a streaming echo)."""

    def __init__(self, stream):
        self.writer = csv.writer(stream)

    def writerow(self, row):
        return self.writer.writerow([safe_cell(cell) for cell in row])
