"""Demo pictures: drawn with Pillow in each product's colour and uploaded like a seller's photo."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from shop.catalog.models import Product
from shop.catalog.pictures import add_picture
from shop.extensions import db


def draw_picture(colour: str, *, size: tuple[int, int] = (960, 720), variant: int = 0) -> bytes:
    """A JPEG like a product photo: a soft backdrop, a shadow and a shape in ``colour``."""
    width, height = size
    image = Image.new("RGB", size, "#f3f1ec")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 0.72, width, height), fill="#e4e0d8")
    draw.ellipse((width * 0.28, height * 0.78, width * 0.72, height * 0.9), fill="#d2cdc3")
    box = (width * 0.3, height * 0.18, width * 0.7, height * 0.82)
    if variant % 2:
        draw.ellipse(box, fill=colour, outline="#00000033", width=6)
    else:
        draw.rounded_rectangle(box, radius=width * 0.06, fill=colour, outline="#00000033", width=6)
    draw.ellipse((width * 0.42, height * 0.26, width * 0.5, height * 0.36), fill="#ffffff66")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def add_demo_pictures() -> int:
    """A picture for every other product (the rest keep the drawn placeholder, as a new shop
    would), and one for each variant of the first product with several. Returns how many."""
    products = db.session.scalars(db.select(Product).order_by(Product.id)).all()
    added = 0
    for index, product in enumerate(products):
        if index % 2 == 0:
            add_picture(product, io.BytesIO(draw_picture(product.colour)))
            added += 1
    several = next((p for p in products if len(p.variants) > 1), None)
    if several is not None:
        for number, variant in enumerate(several.variants[:3], start=1):
            picture = io.BytesIO(draw_picture(several.colour, variant=number))
            add_picture(several, picture, variant_id=variant.id)
            added += 1
    return added
