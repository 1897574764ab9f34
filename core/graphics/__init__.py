"""Pictures' shared room: colour, fonts, text layout, the safe area, the logo, the end card, mood, easing, PNG bytes.

One copy of each helper, used by the storyboard, the compositor and every image backend, so
the steps never import a particular backend and every backend is a leaf.
"""
