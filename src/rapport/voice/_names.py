"""Word lists for finding personal names: common English first names and the exceptions.

Holds `FIRST_NAMES`, `COMMON_WORD_NAMES` (first names that are also ordinary words or places, so
they count only after a cue such as "my name is" or an honorific) and `NOT_PEOPLE` (brands,
airports and other "First Last" pairs that look like a person but are not one to redact).
"""

from __future__ import annotations

__all__ = ["COMMON_WORD_NAMES", "FIRST_NAMES", "NOT_PEOPLE", "NOT_SURNAMES"]

# fmt: off
FIRST_NAMES: tuple[str, ...] = (
    # women
    "Abigail", "Alice", "Alexis", "Allison", "Amanda", "Amber", "Amy", "Andrea", "Angela",
    "Ann", "Anna", "Anne", "April", "Ashley", "Autumn", "Ava", "Barbara", "Becky", "Beth",
    "Betty", "Beverly", "Brenda", "Brittany", "Brooke", "Caroline", "Carol", "Carolyn",
    "Catherine", "Charlotte", "Cheryl", "Chloe", "Christina", "Christine", "Claire", "Courtney",
    "Crystal", "Cynthia", "Daisy", "Dana", "Danielle", "Dawn", "Debbie", "Deborah", "Debra",
    "Denise", "Diana", "Diane", "Donna", "Doris", "Dorothy", "Elena", "Elizabeth", "Ella",
    "Ellen", "Emily", "Emma", "Erica", "Erin", "Evelyn", "Faith", "Felicia", "Frances",
    "Gina", "Gloria", "Grace", "Hannah", "Heather", "Helen", "Holly", "Hope", "Iris",
    "Isabella", "Ivy", "Jacqueline", "Jade", "Janet", "Janice", "Jasmine", "Jean", "Jenna",
    "Jennifer", "Jenny", "Jessica", "Jill", "Joan", "Joanne", "Joy", "Joyce", "Judith", "Judy",
    "Julia", "Julie", "June", "Karen", "Kate", "Katherine", "Kathleen", "Kathryn", "Katie",
    "Kayla", "Kelly", "Kimberly", "Kristen", "Kristin", "Laura", "Lauren", "Leah", "Linda",
    "Lindsay", "Lindsey", "Lily", "Lisa", "Lori", "Madison", "Margaret", "Maria", "Marie",
    "Marilyn", "Martha", "Mary", "May", "Megan", "Melanie", "Melissa", "Meredith", "Mia",
    "Michelle", "Molly", "Monica", "Nancy", "Natalie", "Natasha", "Nicole", "Olivia", "Paige",
    "Pamela", "Patricia", "Penny", "Rachel", "Rebecca", "Renee", "Rose", "Ruby", "Ruth",
    "Samantha", "Sandra", "Sara", "Sarah", "Savannah", "Sharon", "Shirley", "Sophia",
    "Stephanie", "Summer", "Susan", "Sydney", "Sylvia", "Tamara", "Teresa", "Theresa",
    "Tiffany", "Tina", "Tracy", "Vanessa", "Victoria", "Violet", "Virginia", "Wendy", "Zoe",
    # men
    "Aaron", "Adam", "Alan", "Albert", "Alex", "Alexander", "Andrew", "Andy", "Anthony",
    "Arthur", "Austin", "Ben", "Benjamin", "Bill", "Billy", "Bob", "Bobby", "Brad", "Brandon",
    "Brian", "Bruce", "Bryan", "Carl", "Charles", "Chad", "Chris", "Christopher", "Colin",
    "Connor", "Craig", "Dan", "Daniel", "Danny", "Dave", "David", "Dean", "Dennis", "Derek",
    "Donald", "Douglas", "Drew", "Dylan", "Edward", "Elijah", "Eric", "Ethan", "Eugene",
    "Evan", "Frank", "Gabriel", "Gary", "George", "Gerald", "Grant", "Greg", "Gregory",
    "Harold", "Henry", "Ian", "Jack", "Jacob", "Jake", "James", "Jason", "Jay", "Jeff",
    "Jeffrey", "Jeremy", "Jerry", "Jesse", "Jim", "Jimmy", "Joe", "John", "Jonathan",
    "Jordan", "Jose", "Joseph", "Josh", "Joshua", "Juan", "Justin", "Keith", "Kenneth",
    "Kevin", "Kyle", "Larry", "Lawrence", "Liam", "Logan", "Louis", "Luke", "Marcus", "Mark",
    "Martin", "Mason", "Matt", "Matthew", "Michael", "Mike", "Miles", "Nathan", "Nicholas",
    "Nick", "Noah", "Owen", "Patrick", "Paul", "Peter", "Phil", "Philip", "Ralph", "Randy",
    "Ray", "Raymond", "Richard", "Rob", "Robert", "Roger", "Ronald", "Roy", "Russell", "Ryan",
    "Samuel", "Scott", "Sean", "Shawn", "Stephen", "Steve", "Steven", "Terry", "Thomas",
    "Tim", "Timothy", "Todd", "Tom", "Tommy", "Tony", "Travis", "Troy", "Tyler", "Victor",
    "Vincent", "Walter", "Wayne", "Will", "William", "Willie", "Zachary",
    # either
    "Casey", "Jamie", "Jess", "Kim", "Lee", "Leslie", "Morgan", "Pat", "Robin", "Sam",
    "Sue", "Taylor",
)

COMMON_WORD_NAMES: frozenset[str] = frozenset(
    {
        "Amber", "April", "Austin", "Autumn", "Bill", "Bob", "Carol", "Charlotte", "Crystal",
        "Daisy", "Dawn", "Dean", "Drew", "Faith", "Frank", "Grace", "Grant", "Holly", "Hope",
        "Iris", "Ivy", "Jack", "Jade", "Jay", "Jean", "Jordan", "Joy", "June", "Lee", "Lily",
        "Madison", "Mark", "May", "Miles", "Pat", "Penny", "Ray", "Robin", "Rose", "Ruby",
        "Savannah", "Sue", "Summer", "Sydney", "Taylor", "Victoria", "Violet", "Virginia",
        "Will",
    }
)

NOT_PEOPLE: frozenset[str] = frozenset(
    {
        # fashion brands
        "Alice Olivia", "Ann Taylor", "Anne Klein", "Betsey Johnson", "Calvin Klein",
        "Cynthia Rowley", "Eileen Fisher", "Ella Moss", "Ellen Tracy", "Jessica Simpson",
        "Kate Spade", "Kenneth Cole", "Lilly Pulitzer", "Marc Jacobs", "Michael Kors",
        "Nanette Lepore", "Rachel Roy", "Rachel Zoe", "Ralph Lauren", "Rebecca Minkoff",
        "Rebecca Taylor", "Sam Adams", "Sam Edelman", "Stella McCartney", "Steve Madden",
        "Tommy Hilfiger", "Tory Burch", "Tracy Reese", "Vera Wang", "Vince Camuto",
        # airports and places named after people
        "Bob Hope", "Charlotte Douglas", "George Bush", "Gerald Ford", "John Glenn",
        "John Wayne", "Logan International", "Louis Armstrong", "Ronald Reagan",
        "Thurgood Marshall", "Will Rogers",
    }
)

# Capitalised words that follow a first name without being its surname.
NOT_SURNAMES: frozenset[str] = frozenset(
    {
        "I", "The", "And", "But", "Or", "So", "If", "We", "You", "He", "She", "It", "They",
        "My", "Your", "Our", "His", "Her", "This", "That", "Thanks", "Thank", "Please", "Great",
        "Good", "Love", "Best", "Yes", "No", "Not", "Just", "Very", "Was", "Is", "Are", "Has",
        "Had", "Will", "Can", "At", "In", "On", "From", "To", "For", "With", "Of", "By", "As",
        "Airport", "Airlines", "Airline", "Airways", "Air", "Flight", "Gate", "Terminal",
        "International", "Intl", "Hotel", "Center", "Centre", "Store", "Street", "Avenue",
        "Road", "Service", "Customer", "Support", "Team", "Club", "Lounge", "Card", "Rewards",
        "Dress", "Top", "Tee", "Jacket", "Jeans", "Denim", "Pants", "Skirt", "Sweater",
        "Blouse", "Collection", "Line", "Brand", "City", "County", "Beach", "Park", "Bay",
        "Lake", "Island", "Express", "Shuttle", "Monday", "Tuesday", "Wednesday", "Thursday",
        "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December", "Christmas",
        "Easter", "Day", "Morning", "Night", "Today", "Tomorrow", "Again", "Also", "Here",
        "There", "Now", "Then", "Why", "What", "When", "Where", "How", "Who", "Sorry", "Hi",
        "Hello", "Dear", "Int", "Show", "Staff", "Crew", "Agent", "Manager", "Desk", "Office",
    }
)
# fmt: on
