"""Quality control that acts: every shot scored against its cast and the brand, weak shots retaken.

    frames (numpy) + plan + reference images ──scores──▶ ShotQc ──retake rule──▶ best take
    kept shots ──sequence──▶ QcReport (one line for the thread, a table for people who look)

``scores`` measures (plain values in, numbers out), ``embedders`` loads the optional image
model, ``retake`` decides and keeps the best take, ``report`` turns it into words and tables.
Nothing here imports a platform, a queue or a particular image/clip backend.
"""
