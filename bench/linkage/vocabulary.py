"""What generated people are made of: common given names and surnames (listed most common
first: people are drawn with weights falling with the rank, so many share a name), the short
forms people go by, cities with their state, ZIP prefix and area code, street names and types.

Written for this benchmark alone: nothing here comes from the platform's scorer.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MALE_NAMES = _words(
    """
james john robert michael william david richard joseph thomas charles christopher daniel
matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott
brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron
jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy christian keith
roger terry gerald harold sean austin carl arthur lawrence dylan jesse jordan bryan billy joe
bruce gabriel logan albert willie alan juan wayne elijah randy roy vincent ralph eugene russell
bobby mason philip louis
"""
)

FEMALE_NAMES = _words(
    """
mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty
margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa deborah
stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma
nicole helen samantha katherine christine debra rachel carolyn janet catherine maria heather
diane ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith megan
andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances kathryn janice
jean abigail alice judy sophia grace denise amber doris marilyn danielle beverly isabella
theresa diana natalie brittany charlotte marie kayla alexis lori
"""
)

SURNAMES = _words(
    """
smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez
gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris
sanchez clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill
flores green adams nelson baker hall rivera campbell mitchell carter roberts gomez phillips
evans turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook rogers
gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson
watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo sanders
patel myers long ross foster jimenez powell jenkins perry russell sullivan bell coleman butler
henderson barnes gonzales fisher vasquez simmons romero jordan patterson alexander hamilton
graham reynolds griffin wallace moreno west cole hayes bryant herrera gibson ellis tran medina
aguilar stevens murray ford castro marshall owens harrison fernandez mcdonald woods washington
kennedy wells vargas henry chen freeman webb tucker guzman burns crawford olson simpson porter
hunter gordon mendez silva shaw snyder mason dixon munoz hunt hicks holmes palmer wagner black
robertson boyd rose stone salazar fox warren mills meyer rice schmidt garza daniels ferguson
nichols stephens soto weaver ryan gardner payne grant dunn kelley spencer hawkins arnold pierce
hansen peters santos hart bradley knight elliott cunningham duncan armstrong hudson carroll
lane riley andrews alvarado ray delgado berry perkins hoffman johnston matthews pena richards
"""
)

#: A few surnames written in several words or with punctuation, as people write them.
COMPOUND_SURNAMES = (
    "O'Brien",
    "McAllister",
    "St. John",
    "De la Cruz",
    "Van der Berg",
    "Smith-Jones",
)

#: Short forms people go by; the benchmark's own list.
NICKNAMES = {
    "robert": ("bob", "rob", "bobby", "robbie"),
    "william": ("bill", "will", "billy"),
    "james": ("jim", "jimmy", "jamie"),
    "john": ("jack", "johnny"),
    "michael": ("mike", "mikey", "mick"),
    "richard": ("rick", "dick", "rich", "richie"),
    "joseph": ("joe", "joey"),
    "thomas": ("tom", "tommy"),
    "charles": ("charlie", "chuck"),
    "christopher": ("chris", "topher"),
    "daniel": ("dan", "danny"),
    "matthew": ("matt",),
    "anthony": ("tony",),
    "donald": ("don", "donnie"),
    "steven": ("steve",),
    "andrew": ("andy", "drew"),
    "joshua": ("josh",),
    "kenneth": ("ken", "kenny"),
    "timothy": ("tim", "timmy"),
    "ronald": ("ron", "ronnie"),
    "edward": ("ed", "eddie", "ted"),
    "jeffrey": ("jeff",),
    "nicholas": ("nick", "nicky"),
    "jonathan": ("jon", "jonny"),
    "stephen": ("steve", "stevie"),
    "benjamin": ("ben", "benny"),
    "samuel": ("sam", "sammy"),
    "gregory": ("greg",),
    "alexander": ("alex", "alec", "xander"),
    "patrick": ("pat", "paddy"),
    "gerald": ("gerry", "jerry"),
    "lawrence": ("larry",),
    "zachary": ("zach", "zack"),
    "elizabeth": ("liz", "beth", "betty", "lizzie", "eliza"),
    "patricia": ("pat", "patty", "trish"),
    "jennifer": ("jen", "jenny"),
    "margaret": ("maggie", "meg", "peggy"),
    "barbara": ("barb", "babs"),
    "susan": ("sue", "susie"),
    "jessica": ("jess", "jessie"),
    "kimberly": ("kim",),
    "deborah": ("debbie", "deb"),
    "rebecca": ("becky", "becca"),
    "cynthia": ("cindy",),
    "kathleen": ("kathy", "kate"),
    "katherine": ("kate", "katie", "kathy", "kat"),
    "catherine": ("cathy", "cat", "kate"),
    "christine": ("chris", "chrissy"),
    "christina": ("tina", "chris"),
    "samantha": ("sam", "sammy"),
    "victoria": ("vicky", "tori"),
    "abigail": ("abby",),
    "pamela": ("pam",),
    "judith": ("judy",),
    "dorothy": ("dot", "dottie"),
    "stephanie": ("steph",),
    "isabella": ("bella", "izzy"),
    "alexis": ("lexi",),
    "frances": ("fran",),
}

#: City, state code, state name, ZIP prefix (three digits), area code; most populous first.
CITIES = (
    ("New York", "NY", "New York", "100", "212"),
    ("Los Angeles", "CA", "California", "900", "213"),
    ("Chicago", "IL", "Illinois", "606", "312"),
    ("Houston", "TX", "Texas", "770", "713"),
    ("Phoenix", "AZ", "Arizona", "850", "602"),
    ("Philadelphia", "PA", "Pennsylvania", "191", "215"),
    ("San Antonio", "TX", "Texas", "782", "210"),
    ("San Diego", "CA", "California", "921", "619"),
    ("Dallas", "TX", "Texas", "752", "214"),
    ("San Jose", "CA", "California", "951", "408"),
    ("Austin", "TX", "Texas", "787", "512"),
    ("Jacksonville", "FL", "Florida", "322", "904"),
    ("Columbus", "OH", "Ohio", "432", "614"),
    ("Charlotte", "NC", "North Carolina", "282", "704"),
    ("San Francisco", "CA", "California", "941", "415"),
    ("Indianapolis", "IN", "Indiana", "462", "317"),
    ("Seattle", "WA", "Washington", "981", "206"),
    ("Denver", "CO", "Colorado", "802", "303"),
    ("Boston", "MA", "Massachusetts", "021", "617"),
    ("Nashville", "TN", "Tennessee", "372", "615"),
    ("Portland", "OR", "Oregon", "972", "503"),
    ("Las Vegas", "NV", "Nevada", "891", "702"),
    ("Detroit", "MI", "Michigan", "482", "313"),
    ("Memphis", "TN", "Tennessee", "381", "901"),
    ("Louisville", "KY", "Kentucky", "402", "502"),
    ("Baltimore", "MD", "Maryland", "212", "410"),
    ("Milwaukee", "WI", "Wisconsin", "532", "414"),
    ("Albuquerque", "NM", "New Mexico", "871", "505"),
    ("Saint Louis", "MO", "Missouri", "631", "314"),
    ("Fort Worth", "TX", "Texas", "761", "817"),
    ("Mount Vernon", "NY", "New York", "105", "914"),
    ("Springfield", "IL", "Illinois", "627", "217"),
    ("Springfield", "MA", "Massachusetts", "011", "413"),
    ("Portland", "ME", "Maine", "041", "207"),
)

STREETS = _words(
    """
main oak maple cedar pine elm washington lake hill park walnut spring north ridge church
willow mill sunset railroad jackson cherry highland franklin jefferson lincoln madison
meadow forest river center union chestnut prospect spruce laurel adams view court dogwood
locust hickory birch colonial valley summit west east south broad market water bridge
academy liberty front pleasant george king queen victoria albert station harbor ocean bay
magnolia sycamore juniper poplar aspen cypress hawthorne heather primrose orchard garden
"""
)

#: Street types: the full word, then abbreviations people write.
STREET_TYPES = (
    ("Street", ("St", "St.", "Str")),
    ("Avenue", ("Ave", "Ave.", "Av")),
    ("Road", ("Rd", "Rd.")),
    ("Drive", ("Dr", "Dr.")),
    ("Lane", ("Ln",)),
    ("Court", ("Ct",)),
    ("Boulevard", ("Blvd",)),
    ("Place", ("Pl",)),
    ("Terrace", ("Ter", "Terr")),
    ("Way", ()),
)

#: Syllables of made-up rare surnames and given names (the long tail of real populations).
SYLLABLES = _words(
    """
ka ri mo ta le vi sa no be ro lu da mi ze ko pa ni go fe ha ju ly wa xe qui dor ban tel
mar sten wik berg vos lind hal ost dra gun ver sol tor zan kel mun rad pel fro
"""
)
