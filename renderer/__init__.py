"""The ClientTime layout: a computed invoice → HTML (Jinja2, Babel) → PDF (WeasyPrint).

`document` builds what the page prints from the computed invoice (labels, logo, slip),
`formatting` holds the Danish and English number and date filters, `render` runs WeasyPrint
with the project's fonts and templates, which `paths` finds, `resources` refuses any other URL,
`sheet` keeps each seller's rendered letterhead, footer and slip frame, `overlay` lays it under
an invoice's own pages.
"""
