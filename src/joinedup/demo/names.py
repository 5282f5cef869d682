"""Names of Northbridge's communities: given and family names, their weights, and nicknames.

The lists are short on purpose: real name frequencies are steep (Smith, Khan, Patel and
Mohammed each cover a large share of their community), and that steepness is exactly what a
matcher must cope with. Weights therefore follow a Zipf curve in list order, so the first
entries are the commonest. Diacritics appear where the community writes them (Zoë, Łukasz,
Ştefan, Siobhán); sources that cannot hold them lose them, as real systems do.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Community:
    """One community's name pools and naming customs."""

    key: str
    share: float  # of Northbridge's households
    male: tuple[str, ...]
    female: tuple[str, ...]
    family: tuple[str, ...]
    # Names given to people born before 1980, where fashions differ sharply (White British).
    older_male: tuple[str, ...] = ()
    older_female: tuple[str, ...] = ()
    # Chance that a woman in a couple takes her husband's family name.
    takes_husband_name: float = 0.0
    # Somali children carry their father's given name as their family name.
    patronymic: bool = False
    # Polish family names have feminine forms (Kowalski → Kowalska).
    gendered_family: bool = False


def _t(text: str) -> tuple[str, ...]:
    return tuple(text.split(","))


COMMUNITIES: tuple[Community, ...] = (
    Community(
        "white_british",
        0.60,
        male=_t(
            "Oliver,Jack,Harry,Thomas,James,George,Jacob,Charlie,Joshua,Daniel,William,Samuel,"
            "Joseph,Noah,Oscar,Ryan,Luke,Matthew,Callum,Liam,Alfie,Adam,Leo,Archie,Freddie,John,"
            "Ethan,Lewis,Connor,Kieran,Nathan,Jake,Max,Henry,Theo,Arthur,Toby,Reuben,Finley,Harvey,"
            "Benjamin,Alexander,Elliot,Bradley,Jordan,Declan,Isaac,Owen,Rhys,Sebastian,Tyler,Aaron"
        ),
        female=_t(
            "Olivia,Emily,Sophie,Jessica,Amelia,Chloe,Grace,Megan,Lucy,Hannah,Ella,Lily,Charlotte,"
            "Isla,Ava,Emma,Sarah,Rebecca,Laura,Katie,Zoë,Holly,Evie,Poppy,Isabella,Abigail,"
            "Amy,Lauren,Bethany,Georgia,Millie,Freya,Ruby,Phoebe,Erin,Eleanor,Imogen,Alice,Florence,"
            "Harriet,Niamh,Leah,Molly,Rosie,Scarlett,Matilda,Eliza,Jasmine,Naomi,Gemma,Kirsty,Natalie"
        ),
        family=_t(
            "Smith,Jones,Taylor,Brown,Williams,Wilson,Johnson,Davies,Robinson,Wright,Thompson,"
            "Evans,Walker,White,Roberts,Green,Hall,Wood,Jackson,Clarke,Harris,Lewis,Hill,Turner,"
            "Cooper,Moore,Ward,King,Baker,Harrison,Morgan,Allen,Young,Mitchell,Bell,Shaw,Parker,"
            "Bennett,Cook,Watson,Richardson,Dawson,Atkinson,Barker,Holmes,Hargreaves,Sutcliffe,"
            "Ackroyd,Firth,Crowther,Smith-Jones,Lister,Greenwood,Marsden,Pickles"
        ),
        older_male=_t(
            "John,David,Michael,Peter,Robert,Paul,Stephen,Richard,William,James,Brian,Kevin,"
            "Christopher,Mark,Anthony,Alan,Thomas,Keith,Gary,Ian,Edward,Kenneth,George,Raymond,"
            "Andrew,Dennis,Roy,Graham,Colin,Derek,Malcolm,Trevor,Barry,Terence,Geoffrey,Roger,"
            "Philip,Martin,Neil,Nigel,Frank,Harold,Arthur,Ronald,Stuart,Leslie,Gordon,Norman,Eric"
        ),
        older_female=_t(
            "Margaret,Susan,Patricia,Elizabeth,Christine,Linda,Jean,Mary,Carol,Barbara,Janet,"
            "Sandra,Jennifer,Karen,Julie,Valerie,Dorothy,Joan,Pauline,Deborah,Helen,Gillian,"
            "Sheila,Ann,Catherine,Irene,Brenda,Maureen,Doreen,Shirley,Joyce,Eileen,Marion,Hazel,"
            "Wendy,Lesley,Elaine,Angela,Alison,Tracey,Lorraine,Denise,Beverley,Jacqueline,Marilyn,"
            "Rita,Audrey"
        ),
        takes_husband_name=0.8,
    ),
    Community(
        "irish",
        0.02,
        male=_t("Seán,Patrick,Michael,Ciarán,Declan,Eoin,Liam,Conor,Niall,Brendan,Cian,Darragh"),
        female=_t("Siobhán,Mary,Aoife,Niamh,Bridget,Róisín,Ciara,Orla,Sinéad,Catherine,Áine"),
        family=_t(
            "Murphy,Kelly,O'Sullivan,Walsh,O'Brien,Byrne,Ryan,O'Connor,O'Neill,McCarthy,Doyle,"
            "Gallagher,Kennedy,Lynch,Quinn,Ó Súilleabháin"
        ),
        takes_husband_name=0.75,
    ),
    Community(
        "polish",
        0.04,
        male=_t(
            "Jakub,Łukasz,Piotr,Krzysztof,Tomasz,Paweł,Michał,Marcin,Wojciech,Kacper,Mateusz,"
            "Grzegorz,Szymon,Bartłomiej"
        ),
        female=_t(
            "Anna,Katarzyna,Małgorzata,Agnieszka,Joanna,Magdalena,Zofia,Aleksandra,Monika,"
            "Natalia,Ewa,Justyna,Wiktoria"
        ),
        family=_t(
            "Nowak,Kowalski,Wiśniewski,Wójcik,Kowalczyk,Kamiński,Lewandowski,Zieliński,"
            "Szymański,Woźniak,Dąbrowski,Kozłowski,Jankowski,Mazur,Krawczyk,Piotrowski"
        ),
        takes_husband_name=0.9,
        gendered_family=True,
    ),
    Community(
        "romanian",
        0.025,
        male=_t(
            "Andrei,Ştefan,Mihai,Alexandru,Ionuţ,Gheorghe,Florin,Răzvan,Constantin,Adrian,Vasile"
        ),
        female=_t(
            "Ioana,Elena,Maria,Andreea,Mihaela,Alina,Cristina,Gabriela,Ana-Maria,Roxana,Ştefania"
        ),
        family=_t(
            "Popescu,Ionescu,Popa,Constantin,Stan,Dumitru,Stoica,Gheorghe,Munteanu,Rusu,Matei,"
            "Lungu,Ştefănescu,Bălan"
        ),
        takes_husband_name=0.8,
    ),
    Community(
        "pakistani",
        0.09,
        male=_t(
            "Mohammed,Muhammad,Ali,Imran,Usman,Bilal,Hamza,Zubair,Asif,Tariq,Khalid,Adeel,Amir,"
            "Zain,Ibrahim,Waqas,Shahid"
        ),
        female=_t(
            "Fatima,Ayesha,Zainab,Maryam,Sana,Nadia,Amina,Saima,Rubina,Shazia,Hina,Iqra,Aleena,"
            "Noor,Sadia"
        ),
        family=_t(
            "Khan,Hussain,Ahmed,Ali,Akhtar,Mahmood,Iqbal,Shah,Butt,Malik,Rashid,Javed,Qureshi,"
            "Raza,Chaudhry,Bashir"
        ),
        takes_husband_name=0.35,
    ),
    Community(
        "indian",
        0.04,
        male=_t(
            "Harpreet,Amit,Raj,Sanjay,Vikram,Rahul,Arjun,Gurpreet,Sandeep,Ravi,Deepak,Jaspal,"
            "Manjit,Nikhil"
        ),
        female=_t(
            "Priya,Manpreet,Anjali,Sunita,Pooja,Kiran,Neha,Harjit,Simran,Meera,Asha,Rani,Jasvir"
        ),
        family=_t(
            "Patel,Singh,Sharma,Gill,Sandhu,Mistry,Kumar,Parmar,Chauhan,Dhillon,Sidhu,Bains,"
            "Johal,Desai"
        ),
        takes_husband_name=0.6,
    ),
    Community(
        "bangladeshi",
        0.02,
        male=_t("Mohammed,Abdul,Shahid,Jamal,Kamal,Foysal,Rubel,Sohel,Ayaan,Rahim,Nazmul"),
        female=_t(
            "Fatema,Nasima,Rokeya,Salma,Shamima,Sumaiya,Tahmina,Jannat,Rumana,Ruksana,Nusrat"
        ),
        family=_t("Uddin,Miah,Rahman,Islam,Ahmed,Hoque,Chowdhury,Ali,Hossain,Alam,Karim,Begum"),
        takes_husband_name=0.3,
    ),
    Community(
        "somali",
        0.015,
        male=_t("Mohamed,Abdirahman,Abdullahi,Ahmed,Ali,Hassan,Omar,Yusuf,Abdi,Ismail,Farah"),
        female=_t("Hodan,Fadumo,Amina,Hawa,Sahra,Ayan,Asha,Faisa,Ifrah,Nimco,Deeqa"),
        family=_t("Mohamed,Ali,Hassan,Abdi,Warsame,Farah,Ahmed,Osman,Jama,Hersi,Nur,Aden,Elmi"),
        patronymic=True,
    ),
    Community(
        "nigerian",
        0.03,
        male=_t(
            "Oluwaseun,Chinedu,Emeka,Olumide,Adebayo,Tunde,Chukwuemeka,Ifeanyi,Babatunde,"
            "Olufemi,Daniel,Samuel"
        ),
        female=_t(
            "Chioma,Ngozi,Funmilayo,Adaeze,Oluwakemi,Folake,Yetunde,Chiamaka,Blessing,Temitope,"
            "Grace,Oluwatosin"
        ),
        family=_t(
            "Okafor,Adeyemi,Okonkwo,Adebayo,Okoro,Eze,Olawale,Ogunleye,Nwosu,Balogun,Afolabi,"
            "Chukwu,Ibrahim,Oyelaran"
        ),
        takes_husband_name=0.8,
    ),
    Community(
        "chinese",
        0.02,
        male=_t("Wei,Jun,Hao,Ming,Jian,Lei,Kai,Tao,Yong,Bo,Jason,Kevin"),
        female=_t("Mei,Li,Xiu,Ying,Hui,Jing,Yan,Xin,Lin,Fang,Amy,Grace"),
        family=_t("Wang,Li,Zhang,Liu,Chen,Yang,Huang,Zhao,Wu,Zhou,Lin,Wong,Chan,Cheung,Lee"),
        takes_husband_name=0.1,
    ),
    Community(
        "caribbean",
        0.025,
        male=_t("Marcus,Tyrone,Andre,Jermaine,Kyle,Jordan,Daniel,Nathan,Reece,Dwayne,Malachi"),
        female=_t("Shanice,Jade,Keisha,Monique,Simone,Chantelle,Tia,Jasmine,Leah,Aaliyah,Kayla"),
        family=_t(
            "Campbell,Brown,Williams,Thomas,Johnson,Grant,Francis,Reid,Henry,Clarke,Samuels,"
            "Bailey,Gordon,Morrison,Lewis"
        ),
        older_male=_t("Winston,Delroy,Errol,Leroy,Clive,Desmond,Lloyd,Everton,Carlton,Neville"),
        older_female=_t(
            "Beverley,Claudette,Marcia,Hyacinth,Paulette,Gloria,Merle,Sonia,Yvonne,Pearl"
        ),
        takes_husband_name=0.7,
    ),
    Community(
        "other_european",
        0.035,
        male=_t("Marco,Giuseppe,João,Tomas,Jonas,Mantas,Luca,Pedro,Dimitris,Nikolai"),
        female=_t("Giulia,Maria,Ana,Rūta,Agnė,Inês,Sofia,Elena,Chiara,Beatriz"),
        family=_t(
            "Rossi,Russo,Ferreira,Silva,Santos,Kazlauskas,Petrauskas,Bianchi,Costa,Papadopoulos,"
            "Müller,Nielsen"
        ),
        takes_husband_name=0.6,
    ),
)

BY_KEY = {c.key: c for c in COMMUNITIES}

# English surnames have a very long tail: Smith is only ~1% of people. Place-name surnames
# built from Yorkshire stems and endings (Ashworth, Greenwood, Holroyd…) give the White British
# pool that tail, so a full name is as informative as it is in a real city.
SURNAME_STEMS = _t(
    "Ash,Brad,Black,Brook,Clay,Crow,Den,Green,Hay,Hol,Hart,Lang,Lock,Mars,Mid,North,Old,Pen,"
    "Rad,Ray,Shel,South,Stan,Thorn,Wad,West,Whit,Wood,Bar,Brig,Cal,Cot,Dun,Fair,Gar,Hal,Kirk,"
    "Lin,Ack,Bram,Hudder,Mel,Rish,Sow,Tod,Ward,Wain,Hep,Ing,Lay,Moor,Nether,Ross,Sut"
)
SURNAME_ENDINGS = _t(
    "worth,ley,ton,field,wood,ford,by,royd,shaw,den,well,ham,hurst,bridge,dale,cliffe,more,"
    "stead,ridge,thwaite,ham,croft,wick,cott"
)

# The full names a careless matcher merges: distinct people who share them are marked
# `common_name`. Each is (community, sex, given, family).
COMMON_FULL_NAMES: tuple[tuple[str, str, str, str], ...] = (
    ("white_british", "male", "John", "Smith"),
    ("white_british", "male", "David", "Jones"),
    ("white_british", "female", "Sarah", "Smith"),
    ("white_british", "male", "James", "Taylor"),
    ("pakistani", "male", "Mohammed", "Khan"),
    ("pakistani", "male", "Mohammed", "Hussain"),
    ("pakistani", "female", "Fatima", "Khan"),
    ("indian", "male", "Harpreet", "Singh"),
    ("polish", "male", "Piotr", "Nowak"),
    ("bangladeshi", "female", "Nasima", "Begum"),
)

# Nicknames and spelling variants that people give or that staff write down. Keys are the
# formal names in the pools above; variants include diacritic-free spellings and transliterations.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "William": ("Bill", "Will", "Billy"),
    "Robert": ("Bob", "Rob", "Bobby"),
    "Elizabeth": ("Betty", "Liz", "Beth", "Lizzie"),
    "Margaret": ("Peggy", "Maggie", "Margie"),
    "Catherine": ("Kate", "Cathy", "Katherine"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "Michael": ("Mike", "Mick", "Micky"),
    "Richard": ("Rich", "Dick", "Richie"),
    "Thomas": ("Tom", "Tommy"),
    "Joseph": ("Joe", "Joey"),
    "Christopher": ("Chris", "Kit"),
    "Anthony": ("Tony",),
    "Edward": ("Ted", "Eddie", "Ed"),
    "Patricia": ("Pat", "Trish", "Patsy"),
    "Susan": ("Sue", "Susie"),
    "Jennifer": ("Jen", "Jenny"),
    "Deborah": ("Debbie", "Debra"),
    "Daniel": ("Dan", "Danny"),
    "Samuel": ("Sam", "Sammy"),
    "Matthew": ("Matt",),
    "Jacob": ("Jake",),
    "Joshua": ("Josh",),
    "Alfie": ("Alfred",),
    "Freddie": ("Frederick", "Fred"),
    "Archie": ("Archibald",),
    "Charlie": ("Charles",),
    "Oliver": ("Ollie",),
    "Harry": ("Henry",),
    "John": ("Jon", "Johnny", "Jack"),
    "David": ("Dave", "Davey"),
    "Peter": ("Pete",),
    "Stephen": ("Steve", "Steven"),
    "Andrew": ("Andy", "Drew"),
    "Kenneth": ("Ken", "Kenny"),
    "Raymond": ("Ray",),
    "Christine": ("Chris", "Chrissie"),
    "Barbara": ("Babs", "Barb"),
    "Dorothy": ("Dot", "Dolly"),
    "Valerie": ("Val",),
    "Jessica": ("Jess", "Jessie"),
    "Rebecca": ("Becky", "Becca"),
    "Isabella": ("Bella", "Izzy"),
    "Abigail": ("Abbie", "Abby"),
    "Charlotte": ("Lottie", "Charlie"),
    "Olivia": ("Liv",),
    "Zoë": ("Zoe",),
    "Alexandru": ("Alex",),
    "Ştefan": ("Stefan",),
    "Ştefania": ("Stefania",),
    "Ionuţ": ("Ionut",),
    "Răzvan": ("Razvan",),
    "Łukasz": ("Lukasz", "Luke"),
    "Paweł": ("Pawel", "Paul"),
    "Michał": ("Michal", "Michael"),
    "Małgorzata": ("Gosia", "Malgorzata"),
    "Katarzyna": ("Kasia", "Kate"),
    "Aleksandra": ("Ola", "Alex"),
    "Wojciech": ("Wojtek",),
    "Bartłomiej": ("Bartek", "Bartlomiej"),
    "Magdalena": ("Magda",),
    "Krzysztof": ("Chris", "Krzys"),
    "Seán": ("Sean", "Shaun"),
    "Siobhán": ("Siobhan",),
    "Ciarán": ("Ciaran", "Kieran"),
    "Róisín": ("Roisin",),
    "Sinéad": ("Sinead",),
    "Áine": ("Aine",),
    "Bridget": ("Bridie", "Biddy"),
    "Patrick": ("Pat", "Paddy"),
    "Mohammed": ("Muhammad", "Mohammad", "Mohamed", "Mohd"),
    "Muhammad": ("Mohammed", "Mohammad"),
    "Mohamed": ("Mohammed", "Maxamed"),
    "Abdirahman": ("Abdi",),
    "Abdullahi": ("Abdi",),
    "Oluwaseun": ("Seun",),
    "Olufemi": ("Femi",),
    "Oluwatosin": ("Tosin",),
    "Oluwakemi": ("Kemi",),
    "Babatunde": ("Tunde",),
    "Chukwuemeka": ("Emeka",),
    "Funmilayo": ("Funmi",),
    "Temitope": ("Tope",),
    "Chiamaka": ("Amaka",),
    "Harpreet": ("Harry",),
    "Gurpreet": ("Gary",),
    "Jaspal": ("Jas",),
    "Jasvir": ("Jas",),
    "Wei": ("David",),
    "Mei": ("May",),
    "João": ("Joao", "John"),
    "Giuseppe": ("Joe", "Peppe"),
    "Rūta": ("Ruta",),
    "Agnė": ("Agne",),
    "Inês": ("Ines",),
}

# Titles by sex; councils still record marital titles.
TITLES_MALE = ("Mr",)
TITLES_FEMALE_MARRIED = ("Mrs", "Ms")
TITLES_FEMALE_SINGLE = ("Miss", "Ms")
