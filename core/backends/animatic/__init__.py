"""Image backend "animatic": illustrated storyboard panels drawn with numpy and PIL.

What a new user sees first, so it aims for a flat-illustration look an agency would show:
a backdrop in the brand palette lit by the bible's light (city, office, home, park, cafe or a
studio sweep, picked from the shot description), the same stylised people in every panel
(colours and hair fixed per entity by the bible), the product drawn by category in its fixed
colours with the brand on the label, and framing by shot size, recomposed per aspect ratio.

Layers: ``background`` is the set (RGB), ``foreground`` the people and product (RGBA) so the
clip backend can move them apart, ``subject`` the box the camera should move about. On-screen
text is kept out of both; ``extras["text_layer"]`` (RGBA) holds it for storyboard panels,
since the video compositor animates text itself.

Speed: the set is drawn at most 720 px on its long side and scaled up (its softness reads as
depth of field); people and products are drawn supersampled, then reduced. Every random
choice comes from a seeded numpy Generator: the same plan, shot, size and seed give the
same pixels.
"""

from cutroom.core.backends.animatic.backend import AnimaticImageBackend, draw_cast_view, flatten_with_text
from cutroom.core.backends.animatic.sets import place_of

__all__ = ["AnimaticImageBackend", "draw_cast_view", "flatten_with_text", "place_of"]
