"""Word lists for the fictional company, its people and its customers.

Kept as plain tuples so the generator stays dependency-free and deterministic: a pick is
always ``rng.choice(TUPLE)``, never a set or dict iteration.
"""

from __future__ import annotations

COMPANY_NAME = "Northwind Analytics"
COMPANY_DOMAIN = "northwind-analytics.com"
REVOPS_EMAIL = f"revops@{COMPANY_DOMAIN}"

US_FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Christopher", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty",
    "Mark", "Sandra", "Donald", "Margaret", "Steven", "Ashley", "Andrew", "Kimberly", "Paul",
    "Emily", "Joshua", "Donna", "Kenneth", "Michelle", "Kevin", "Carol", "Brian", "Amanda",
    "Timothy", "Melissa", "Ronald", "Deborah", "Jason", "Stephanie", "George", "Rebecca",
    "Edward", "Sharon", "Jeffrey", "Laura", "Ryan", "Cynthia", "Jacob", "Dorothy", "Nicholas",
    "Amy", "Gary", "Kathleen", "Eric", "Angela", "Jonathan", "Shirley", "Stephen", "Emma",
    "Larry", "Brenda", "Justin", "Pamela", "Scott", "Nicole", "Brandon", "Anna", "Benjamin",
    "Samantha", "Samuel", "Katherine", "Gregory", "Christine", "Alexander", "Debra", "Patrick",
    "Rachel", "Frank", "Carolyn", "Raymond", "Janet", "Jack", "Maria", "Dennis", "Olivia",
    "Jerry", "Heather", "Tyler", "Helen", "Aaron", "Catherine", "Jose", "Diane", "Adam",
    "Julie", "Nathan", "Victoria", "Henry", "Joyce", "Zachary", "Lauren", "Douglas", "Kelly",
    "Peter", "Christina", "Kyle", "Ruth", "Noah", "Joan", "Ethan", "Virginia", "Jeremy",
    "Judith", "Walter", "Evelyn", "Christian", "Hannah", "Keith", "Andrea", "Roger", "Megan",
    "Terry", "Cheryl", "Austin", "Jacqueline", "Sean", "Madison", "Gerald", "Teresa", "Carl",
    "Abigail", "Harold", "Sophia", "Dylan", "Martha", "Arthur", "Sara", "Lawrence", "Gloria",
    "Jordan", "Janice", "Jesse", "Kathryn", "Bryan", "Ann", "Billy", "Isabella", "Bruce",
    "Judy", "Gabriel", "Charlotte", "Joe", "Julia", "Logan", "Grace", "Alan", "Amber", "Juan",
    "Alice", "Albert", "Jean", "Willie", "Denise", "Elijah", "Frances", "Wayne", "Danielle",
    "Randy", "Marilyn", "Vincent", "Natalie", "Mason", "Beverly", "Roy", "Diana", "Ralph",
    "Brittany", "Bobby", "Theresa", "Russell", "Kayla", "Bradley", "Alexis", "Philip", "Lori",
    "Eugene", "Zoë", "Priya", "Wei", "Aisha", "Carlos", "Mei", "Rahul", "Sofía", "Andrés",
)  # fmt: skip

US_LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans",
    "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris",
    "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson",
    "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson",
    "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price",
    "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez",
    "Powell", "Jenkins", "Perry", "Russell", "Sullivan", "Bell", "Coleman", "Butler",
    "Henderson", "Barnes", "Gonzales", "Fisher", "Vasquez", "Simmons", "Romero", "Jordan",
    "Patterson", "Alexander", "Hamilton", "Graham", "Reynolds", "Griffin", "Wallace", "Moreno",
    "West", "Cole", "Hayes", "Bryant", "Herrera", "Gibson", "Ellis", "Tran", "Medina", "Aguilar",
    "Stevens", "Murray", "Ford", "Castro", "Marshall", "Owens", "Harrison", "Fernandez",
    "McDonald", "Woods", "Washington", "Kennedy", "Wells", "Vargas", "Henry", "Chen", "Freeman",
    "Webb", "Tucker", "Guzman", "Burns", "Crawford", "Olson", "Simpson", "Porter", "Hunter",
    "Gordon", "Mendez", "Silva", "Shaw", "Snyder", "Mason", "Dixon", "Muñoz", "Hunt", "Hicks",
    "Holmes", "Palmer", "Wagner", "Black", "Robertson", "Boyd", "Rose", "Stone", "Salazar",
    "Fox", "Warren", "Mills", "Meyer", "Rice", "Schmidt", "Garza", "Daniels", "Ferguson",
    "Nichols", "Stephens", "Soto", "Weaver", "Ryan", "Gardner", "Payne", "Grant", "Dunn",
    "O'Brien", "O'Connor", "Nakamura", "Singh", "Zhang", "Okafor", "Kowalski", "Novak",
)  # fmt: skip

DE_FIRST_NAMES = (
    "Jürgen", "Stefan", "Andreas", "Thomas", "Michael", "Markus", "Christian", "Tobias",
    "Florian", "Sebastian", "Lukas", "Jonas", "Felix", "Maximilian", "Katrin", "Sabine",
    "Julia", "Anna", "Lena", "Laura", "Sophie", "Hannah", "Miriam", "Claudia", "Birgit",
    "Annika", "Franziska", "Jörg", "Björn", "Ute", "Dörte", "Matthias", "Niklas", "Carsten",
)  # fmt: skip

DE_LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder",
    "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange",
    "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Köhler", "Weiß", "Vogel", "Jäger",
)  # fmt: skip

FR_FIRST_NAMES = (
    "Jean", "Pierre", "Michel", "Philippe", "Nicolas", "François", "Julien", "Mathieu",
    "Antoine", "Sébastien", "Camille", "Chloé", "Léa", "Manon", "Inès", "Sophie", "Céline",
    "Amélie", "Élodie", "Hélène", "Émilie", "Aurélie", "Thibault", "Guillaume", "Benoît",
)  # fmt: skip

FR_LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
    "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand",
    "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
)  # fmt: skip

UK_FIRST_NAMES = (
    "Oliver", "George", "Harry", "Jack", "Charlie", "Thomas", "Oscar", "William", "James",
    "Amelia", "Olivia", "Isla", "Emily", "Poppy", "Ava", "Isabella", "Jessica", "Lily",
    "Sophie", "Alfie", "Freddie", "Archie", "Imogen", "Eleanor", "Rhys", "Siobhan", "Niamh",
)  # fmt: skip

UK_LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Patel", "Khan", "Lewis", "Hughes", "Edwards", "Cooper",
    "Hartley", "Moss", "Fletcher", "Ashworth", "Pennington", "Whitaker", "Fitzgerald",
)  # fmt: skip

# (root word, is German/French/English flavoured) roots for customer company names.
NAME_ROOTS_EN = (
    "Acme", "Apex", "Atlas", "Beacon", "Birch", "Blue Harbor", "Bluefin", "Boulder",
    "Brightwater", "Broadleaf", "Cascade", "Cedar", "Century", "Cobalt", "Copper Ridge",
    "Crescent", "Crestline", "Crystal Lake", "Delta", "Eagle", "Echo", "Elm Street", "Evergreen",
    "Falcon", "Firefly", "Foxglove", "Frontier", "Galaxy", "Garnet", "Glacier", "Golden Gate",
    "Granite", "Greenfield", "Harbor", "Hawthorne", "Highland", "Horizon", "Hudson", "Indigo",
    "Iron Creek", "Juniper", "Keystone", "Lakeside", "Landmark", "Liberty", "Lighthouse",
    "Lodestar", "Magnolia", "Maple", "Meridian", "Mesa", "Midwest", "Millstone", "Monarch",
    "Mosaic", "Northstar", "Oakridge", "Ocean", "Orchard", "Osprey", "Pacific", "Paragon",
    "Peak", "Pinecrest", "Pinnacle", "Pioneer", "Prairie", "Quarry", "Radiant", "Redwood",
    "Ridgeline", "Riverbend", "Rockwell", "Sagebrush", "Sapphire", "Sawtooth", "Sequoia",
    "Silverline", "Skyline", "Solstice", "Sterling", "Stonebridge", "Summit", "Sunrise",
    "Tidewater", "Timberline", "Trailhead", "True North", "Twin Rivers", "Union", "Vanguard",
    "Vertex", "Vista", "Westbrook", "Whitestone", "Wildflower", "Willow", "Windward", "Zenith",
)  # fmt: skip

NAME_ROOTS_DE = (
    "Alpen", "Bergland", "Blauwal", "Donau", "Elbtal", "Eichenhof", "Feldmann", "Hanse",
    "Isar", "Kranich", "Lindenhof", "Main", "Mosel", "Neckar", "Nordlicht", "Ostsee",
    "Rheinwerk", "Schwarzwald", "Spree", "Sonnenberg", "Taunus", "Weser", "Zugspitze",
    "Müller", "Schröder", "Köhler", "Brückner", "Grünwald", "Weißbach", "Lößnitz",
)  # fmt: skip

NAME_ROOTS_FR = (
    "Azur", "Bastide", "Bretagne", "Cévennes", "Château", "Garonne", "Lumière", "Loire",
    "Mistral", "Montblanc", "Normandie", "Océane", "Provence", "Rhône", "Seine", "Sologne",
    "Verdon", "Vosges", "Béranger", "Lefèvre", "Étoile", "Éclat",
)  # fmt: skip

NAME_ROOTS_UK = (
    "Albion", "Avon", "Bramble", "Cheviot", "Cotswold", "Dales", "Fenwick", "Harrow",
    "Kestrel", "Mersey", "Pennine", "Severn", "Thames", "Trent", "Tyne", "Wessex", "Windsor",
    "Yorkshire", "Highgate", "Kingsbridge", "Ashford", "Blackwater",
)  # fmt: skip

# Salesforce Industry picklist value -> words used to name companies in that industry.
INDUSTRY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Transportation", ("Logistics", "Freight", "Transport", "Shipping")),
    ("Healthcare", ("Health", "Medical", "Care", "Clinics")),
    ("Manufacturing", ("Manufacturing", "Industries", "Components", "Works")),
    ("Retail", ("Retail", "Outfitters", "Market", "Stores")),
    ("Technology", ("Software", "Systems", "Labs", "Digital")),
    ("Finance", ("Capital", "Financial", "Partners", "Advisors")),
    ("Insurance", ("Insurance", "Assurance", "Mutual")),
    ("Energy", ("Energy", "Power", "Solar", "Renewables")),
    ("Food & Beverage", ("Foods", "Brewing", "Kitchens", "Provisions")),
    ("Education", ("Learning", "Academy", "Education")),
    ("Media", ("Media", "Studios", "Publishing")),
    ("Telecommunications", ("Telecom", "Networks", "Connect")),
    ("Construction", ("Construction", "Builders", "Engineering")),
    ("Consulting", ("Consulting", "Group", "Associates")),
    ("Hospitality", ("Hotels", "Hospitality", "Resorts")),
)

# German/French translations of the industry words, so local companies read naturally.
INDUSTRY_WORDS_DE = {
    "Transportation": ("Logistik", "Spedition"),
    "Healthcare": ("Medizintechnik", "Klinikgruppe"),
    "Manufacturing": ("Maschinenbau", "Werke"),
    "Retail": ("Handel", "Warenhaus"),
    "Technology": ("Software", "Systeme"),
    "Finance": ("Finanz", "Kapital"),
    "Insurance": ("Versicherung",),
    "Energy": ("Energie", "Stadtwerke"),
    "Food & Beverage": ("Lebensmittel", "Brauerei"),
    "Education": ("Akademie", "Bildung"),
    "Media": ("Medien", "Verlag"),
    "Telecommunications": ("Telekom", "Netze"),
    "Construction": ("Bau", "Ingenieurbau"),
    "Consulting": ("Beratung", "Consulting"),
    "Hospitality": ("Hotels", "Gastronomie"),
}
INDUSTRY_WORDS_FR = {
    "Transportation": ("Transports", "Logistique"),
    "Healthcare": ("Santé", "Médical"),
    "Manufacturing": ("Industries", "Ateliers"),
    "Retail": ("Distribution", "Commerce"),
    "Technology": ("Logiciels", "Systèmes"),
    "Finance": ("Finance", "Capital"),
    "Insurance": ("Assurances",),
    "Energy": ("Énergie", "Solaire"),
    "Food & Beverage": ("Alimentaire", "Brasserie"),
    "Education": ("Formation", "Académie"),
    "Media": ("Médias", "Éditions"),
    "Telecommunications": ("Télécom", "Réseaux"),
    "Construction": ("Bâtiment", "Construction"),
    "Consulting": ("Conseil", "Consulting"),
    "Hospitality": ("Hôtels", "Hôtellerie"),
}

# Extra words that make a name unique once the simple "<root> <industry word>" space fills up.
DISAMBIGUATORS = (
    "North", "South", "East", "West", "Central", "Global", "United", "First", "National",
    "Coastal", "Metro", "Valley", "Mountain", "River", "Prime", "Alliance", "Heritage", "Modern",
    "Premier", "Continental", "American", "Atlantic", "Western", "Northern", "Southern",
    "Eastern", "Royal", "Grand", "Blue", "Red", "Green", "Silver", "Golden", "Bright", "Clear",
    "New", "Old", "Lake", "Bay", "Park", "Hill", "Forest", "Stone", "Sun", "Star", "Sky",
)  # fmt: skip

LEGAL_SUFFIXES = {
    "United States": ("Inc.", "LLC", "Corp.", "", "", ""),
    "Canada": ("Inc.", "Ltd.", "", ""),
    "Germany": ("GmbH", "GmbH", "AG", "GmbH & Co. KG"),
    "France": ("SA", "SAS", "SARL"),
    "United Kingdom": ("Ltd", "Ltd", "plc", "LLP"),
}

TOP_LEVEL_DOMAINS = {
    "United States": "com",
    "Canada": "ca",
    "Germany": "de",
    "France": "fr",
    "United Kingdom": "co.uk",
}

# Salesforce standard LeadSource picklist values.
LEAD_SOURCES = (
    "Web", "Web", "Web", "Phone Inquiry", "Partner Referral", "Partner Referral",
    "Employee Referral", "External Referral", "Trade Show", "Advertisement", "Purchased List",
    "Word of mouth", "Other",
)  # fmt: skip

PRODUCT_PHRASES = (
    "Analytics Platform", "Revenue Dashboards", "Data Warehouse Add-on", "Forecasting Module",
    "Embedded BI", "Enterprise License", "Team Plan", "Expansion", "Pilot", "Annual Subscription",
    "Reporting Suite", "Seats Upgrade", "Platform Migration", "Self-Service BI",
)  # fmt: skip

CALL_SUBJECTS = {
    1: ("Call", "Discovery call", "Intro call", "Qualification call", "Follow-up call"),
    2: ("Call", "Follow-up call", "Call: requirements", "Call: champion check-in"),
    3: ("Call", "Call: pricing questions", "Follow-up call", "Call: proposal walkthrough"),
    4: ("Call", "Call: legal review status", "Call: procurement", "Follow-up call"),
}
VOICEMAIL_SUBJECT = "Left voicemail"
EMAIL_SUBJECTS = {
    1: ("Email: Intro", "Email: Quick question", "Email: Following up", "Email: Re: Next steps"),
    2: ("Email: Demo recap", "Email: Re: Use cases", "Email: Following up", "Email: Slides"),
    3: ("Email: Proposal", "Email: Re: Pricing", "Email: Following up", "Email: Re: Quote"),
    4: ("Email: Order form", "Email: Re: Contract redlines", "Email: Following up"),
}
OTHER_TASK_SUBJECTS = {
    1: ("Research account", "Follow up", "Send intro deck", "Update lead notes"),
    2: ("Prepare demo", "Send recap", "Follow up", "Map stakeholders"),
    3: ("Prepare quote", "Send proposal", "Follow up", "Update mutual action plan"),
    4: ("Send contract", "Follow up with legal", "Request PO number", "Follow up"),
}
MEETING_SUBJECTS = {
    1: ("Discovery meeting", "Intro meeting", "Qualification meeting"),
    2: ("Requirements workshop", "Stakeholder meeting", "Technical deep dive"),
    3: ("Proposal review", "Pricing review", "Security review", "Business case review"),
    4: ("Contract walkthrough", "Procurement meeting", "Executive sponsor call"),
}
DEMO_SUBJECTS = (
    "Product demo",
    "Demo",
    "Tailored demo",
    "Demo for finance team",
    "Demo: dashboards",
)

EVENT_LOCATIONS = ("Google Meet", "Google Meet", "Zoom", "Zoom", "Microsoft Teams", "Customer site")
