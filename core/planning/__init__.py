"""The embedded planner's words: arcs by goal, copy built from the brief, claims traced.

    arcs.py       the beats of each goal's arc (data/arcs.json)
    copywriter.py the lines: names, audience, facts, offer, CTA from the brief; stock lines
                  (data/lines.json) only where the thread left a beat empty
    claims.py     what in a line is checkable, and where each line came from

``core.plan`` draws the pictures and puts the two together.
"""
