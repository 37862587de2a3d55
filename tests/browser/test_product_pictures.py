"""A seller adds a picture to a product and the shop shows it: the back-office pictures page in
Persian at phone width, and the storefront's srcset images actually loading."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from shop.catalog.models import Product
from shop.catalog.pictures import Picture
from shop.demo.orders import DEMO_STAFF
from shop.extensions import db
from tests.picture_files import jpeg_with_exif


def _product_without_picture() -> tuple[int, str, str]:
    pictured = db.session.scalars(db.select(Picture.product_id))
    product = db.session.scalar(
        db.select(Product).where(Product.id.not_in(pictured.all())).order_by(Product.id).limit(1)
    )
    return product.id, product.slug, product.variants[0].sku


def _loaded(page, selector: str) -> None:
    """Wait until the image has pixels. Not page.wait_for_function: its string predicate is
    evaluated in the page, which the shop's CSP (no eval) may refuse."""
    locator = page.locator(selector).first
    deadline = time.monotonic() + 10
    while locator.evaluate("img => img.naturalWidth") == 0:
        assert time.monotonic() < deadline, f"{selector} never loaded"
        page.wait_for_timeout(50)


def test_staff_upload_a_picture_on_a_phone_in_persian_and_the_storefront_shows_it(page: Page, tmp_path):
    product_id, slug, sku = _product_without_picture()
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_with_exif((1600, 1200)))
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"/admin/products/{product_id}/pictures?lang=fa")
    page.wait_for_url(re.compile(r"/admin/login"))
    page.locator("input[name=email]").fill(DEMO_STAFF[0])
    page.locator("input[name=password]").fill(DEMO_STAFF[1])
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(rf"/admin/products/{product_id}/pictures"))
    assert page.locator("html").get_attribute("dir") == "rtl"
    expect(page.locator(".picture-list")).to_have_count(0)

    page.locator("input[name=picture]").set_input_files(str(photo))
    page.locator("form[enctype] button[type=submit]").click()
    thumbnail = page.locator(".picture-item img")
    expect(thumbnail).to_have_count(1)
    _loaded(page, ".picture-item img")
    # Upright from the EXIF orientation: the 1600 × 1200 photo was taken turned by 90°.
    assert page.evaluate("document.querySelector('.picture-item img').naturalHeight") == 213
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways"

    page.goto(f"/p/{slug}")
    main = page.locator(".product-picture img").first
    expect(main).to_have_attribute("srcset", re.compile(r"960w"))
    _loaded(page, ".product-picture img")
    assert "/media/pictures/" in page.evaluate("document.querySelector('.product-picture img').currentSrc")
    box = main.bounding_box()
    assert abs(box["height"] / box["width"] - 0.75) < 0.02, "the picture keeps the page's 4:3 frame"

    page.goto(f"/?q={sku}")  # the listing is paginated: find it by its SKU
    card = page.locator(f'li.product-card[data-slug="{slug}"] img')
    card.scroll_into_view_if_needed()
    expect(card).to_have_attribute("srcset", re.compile(r"480w"))
    _loaded(page, f'li.product-card[data-slug="{slug}"] img')


def test_choosing_a_variant_shows_its_own_picture(page: Page):
    import io

    from shop.catalog import pictures
    from tests.picture_files import image_bytes

    product = next(
        p for p in db.session.scalars(db.select(Product).order_by(Product.id)) if len(p.variants) > 1
    )
    second = product.variants[1]
    own = pictures.add_picture(
        product, io.BytesIO(image_bytes("PNG", (800, 600), colour="blue")), variant_id=second.id
    )
    db.session.commit()

    page.goto(f"/p/{product.slug}")
    page.locator("#variant-select").select_option(str(second.id))

    main = page.locator(".product-picture img").first
    expect(main).to_have_attribute("src", re.compile(rf"/media/pictures/{own.id}/"))
    expect(page.locator(".product-picture")).to_have_count(1)
    expect(page.locator(".buy-box [data-testid=price]")).to_be_visible()
    assert page.url.endswith(f"?variant={second.id}")
