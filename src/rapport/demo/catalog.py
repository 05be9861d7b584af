"""What Northwind Roasters sells and where it sells it: products and channels.

Prices are list prices in US dollars; what a customer pays varies around them (see orders.py).
"""

from __future__ import annotations

__all__ = ["BUSINESS", "CHANNELS", "PRODUCTS", "Product"]

from dataclasses import dataclass

BUSINESS = "Northwind Roasters"


@dataclass(frozen=True)
class Product:
    name: str
    category: str
    price: float
    aspect: str  # what a review of this product is mostly about


CHANNELS = ("Online Store", "Mobile App", "Subscription", "Marketplace", "B2B Invoice")

PRODUCTS: tuple[Product, ...] = (
    # coffee beans
    Product("House Blend 250g", "Coffee Beans", 14.50, "taste"),
    Product("House Blend 1kg", "Coffee Beans", 44.00, "taste"),
    Product("Ethiopia Yirgacheffe 250g", "Coffee Beans", 18.00, "taste"),
    Product("Colombia Huila 250g", "Coffee Beans", 16.50, "taste"),
    Product("Guatemala Antigua 250g", "Coffee Beans", 16.00, "taste"),
    Product("Kenya AA 250g", "Coffee Beans", 19.50, "taste"),
    Product("Decaf Swiss Water 250g", "Coffee Beans", 15.50, "taste"),
    Product("Espresso Roast 500g", "Coffee Beans", 26.00, "taste"),
    Product("Espresso Roast 1kg", "Coffee Beans", 46.00, "taste"),
    Product("Fair Trade Organic Peru 250g", "Coffee Beans", 17.00, "sustainability"),
    Product("Breakfast Blend 2.5kg", "Coffee Beans", 89.00, "price"),
    Product("Cold Brew Blend 500g", "Coffee Beans", 22.00, "taste"),
    Product("Tasting Sample 100g", "Coffee Beans", 6.90, "taste"),
    Product("Drip Bags (10)", "Coffee Beans", 11.00, "convenience"),
    # subscriptions
    Product("Monthly Beans Subscription", "Subscriptions", 24.00, "subscription"),
    Product("Fortnightly Beans Subscription", "Subscriptions", 21.00, "subscription"),
    Product("Origin Explorer Subscription", "Subscriptions", 29.00, "subscription"),
    # brewing equipment
    Product("Hand Grinder", "Brewing Equipment", 65.00, "grind"),
    Product("Burr Grinder Pro", "Brewing Equipment", 149.00, "grind"),
    Product("Pour-Over Dripper", "Brewing Equipment", 24.00, "equipment"),
    Product("French Press 1L", "Brewing Equipment", 32.00, "equipment"),
    Product("Gooseneck Kettle", "Brewing Equipment", 55.00, "equipment"),
    Product("Moka Pot", "Brewing Equipment", 35.00, "equipment"),
    Product("Digital Coffee Scale", "Brewing Equipment", 28.00, "equipment"),
    # accessories
    Product("Paper Filters (100)", "Accessories", 6.50, "equipment"),
    Product("Travel Mug", "Accessories", 22.00, "equipment"),
    Product("Airtight Bean Canister", "Accessories", 18.00, "freshness"),
    Product("Cleaning Tablets", "Accessories", 9.50, "equipment"),
    Product("Compostable Pods (30)", "Accessories", 12.00, "sustainability"),
    # gifts
    Product("Coffee Gift Box", "Gifts", 45.00, "gift"),
    Product("Tasting Flight Gift Set", "Gifts", 38.00, "gift"),
    Product("Gift Card", "Gifts", 25.00, "gift"),
    Product("Mug & Beans Gift Set", "Gifts", 34.00, "gift"),
    # office coffee
    Product("Office Beans 5kg", "Office Coffee", 160.00, "office coffee"),
    Product("Office Coffee Plan (monthly)", "Office Coffee", 240.00, "office coffee"),
    Product("Machine Service Visit", "Office Coffee", 95.00, "equipment"),
    Product("Milk & Cups Bundle", "Office Coffee", 40.00, "office coffee"),
)
