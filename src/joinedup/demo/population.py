"""Northbridge's residents and households: who lives where, with whom, and who they were before.

Households are made one at a time from a small set of kinds (a single pensioner, a couple, a
family with children, a multi-generation home, student sharers…) so that the hard cases arise
the way they do in life: twins and siblings inside families, a father and son of the same name
in one home, a wife who took her husband's name, a household that moved across town, a young
adult who left the family home. Relationships are kept on each person so the hard-case labels
can be derived at the end (a twin whose twin was trimmed off the borough's edge is no longer a
twin case).
"""

from __future__ import annotations

from bisect import bisect
from datetime import date
from itertools import accumulate

from joinedup.demo.identifiers import Landlines, Mobiles, NhsNumbers, email_for
from joinedup.demo.names import (
    BY_KEY,
    COMMON_FULL_NAMES,
    COMMUNITIES,
    NICKNAMES,
    SURNAME_ENDINGS,
    SURNAME_STEMS,
    Community,
)
from joinedup.demo.people import REFERENCE_DATE, Household, Person, Population
from joinedup.demo.places import AddressBook
from joinedup.demo.rng import Rng

_REF = REFERENCE_DATE.toordinal()

_KINDS = (
    ("single_young", 0.08),
    ("single_mid", 0.09),
    ("single_old", 0.13),
    ("couple", 0.14),
    ("older_couple", 0.11),
    ("family", 0.23),
    ("single_parent", 0.07),
    ("adult_children", 0.045),
    ("multigen", 0.04),
    ("sharers", 0.05),
    ("father_son", 0.015),
)
# The first households of every borough, so even a tiny one holds each hard case.
_GUARANTEED = (
    "twin_family",
    "father_son",
    "family",
    "common_single",
    "common_single",
    "common_single",
    "moved_couple",
    "single_young",
)
_MOVE_RATE = 0.09
_TWIN_RATE = 0.035
_COMMON_RATE = 0.02
_LEFT_HOME_RATE = 0.3


def _zipf(n: int, s: float) -> list[float]:
    return list(accumulate(1.0 / (i + 1) ** s for i in range(n)))


class _Builder:
    def __init__(self, people: int, seed: int) -> None:
        self.rng = Rng(f"northbridge:{seed}:people")
        self.target = people
        self.people: list[Person] = []
        self.households: list[Household] = []
        self.book = AddressBook(Rng(f"northbridge:{seed}:places"))
        self.nhs = NhsNumbers(Rng(f"northbridge:{seed}:nhs"))
        self.mobiles = Mobiles(Rng(f"northbridge:{seed}:mobiles"))
        self.landlines = Landlines(Rng(f"northbridge:{seed}:landlines"))
        self.emails: set[str] = set()
        self.communities = [c.key for c in COMMUNITIES]
        self.community_cw = list(accumulate(c.share for c in COMMUNITIES))
        self.kinds = [k for k, _ in _KINDS]
        self.kind_cw = list(accumulate(w for _, w in _KINDS))
        self.pool_cw: dict[int, list[float]] = {}
        self.family_homes: list[int] = []
        self.sibling_groups = 0

    # --- drawing names -------------------------------------------------------------------
    def _pick(self, pool: tuple[str, ...], s: float = 0.7) -> str:
        key = len(pool) * 10 + int(s * 10)
        cw = self.pool_cw.get(key)
        if cw is None:
            cw = self.pool_cw[key] = _zipf(len(pool), s)
        return pool[bisect(cw, self.rng.random() * cw[-1])]

    def _given(self, c: Community, sex: str, dob: date) -> str:
        older = c.older_male if sex == "male" else c.older_female
        if older and dob.year < 1980 and self.rng.random() < 0.85:
            return self._pick(older)
        return self._pick(c.male if sex == "male" else c.female)

    def _family(self, c: Community) -> str:
        if c.key == "white_british":
            if self.rng.random() < 0.75:
                return self.rng.choice(SURNAME_STEMS) + self.rng.choice(SURNAME_ENDINGS)
            return self._pick(c.family, 0.7)
        return self._pick(c.family, 0.9)

    @staticmethod
    def _gendered(c: Community, family: str, sex: str) -> str:
        if c.gendered_family and sex == "female" and family.endswith(("ski", "cki", "dzki")):
            return family[:-1] + "a"
        return family

    # --- people ---------------------------------------------------------------------------
    def _dob(self, age: int) -> date:
        return date.fromordinal(_REF - int(age * 365.25) - self.rng.randrange(365))

    def _person(
        self,
        hh: Household,
        community: str,
        sex: str,
        age: int,
        *,
        family: str | None = None,
        dob: date | None = None,
    ) -> Person:
        rng = self.rng
        c = BY_KEY[community]
        p = Person(len(self.people), hh.index, community, sex, dob or self._dob(age))
        p.given = self._given(c, sex, p.dob)
        if rng.random() < 0.45:
            middle = self._given(c, sex, p.dob)
            if middle != p.given:
                p.middle = middle
        p.family = self._gendered(c, family if family is not None else self._family(c), sex)
        if p.given in ("Mohammed", "Muhammad", "Mohamed") and p.middle and rng.random() < 0.6:
            # Many men named Mohammed are known by their second name.
            p.known_as = p.middle
        elif p.given in NICKNAMES and rng.random() < 0.15:
            p.known_as = rng.choice(NICKNAMES[p.given])
        p.nhs = self.nhs()
        adult = age >= 18
        if (adult and rng.random() < 0.88) or (age >= 12 and rng.random() < 0.4):
            p.mobile = self.mobiles()
        if adult and rng.random() < 0.6:
            email = email_for(rng, p.given, p.family, p.dob.year)
            while email in self.emails:
                email = email_for(rng, p.given, p.family, p.dob.year)
            self.emails.add(email)
            p.email = email
        if adult:
            p.title = "Mr" if sex == "male" else rng.choice(("Miss", "Ms", "Ms"))
        if rng.random() < 0.01:
            p.title = "Dr" if adult else p.title
        p.address = hh.address
        self.people.append(p)
        hh.members.append(p.index)
        return p

    def _marry(self, husband: Person, wife: Person) -> None:
        c = BY_KEY[wife.community]
        chance = c.takes_husband_name if wife.community == husband.community else 0.6
        married = self._gendered(BY_KEY[husband.community], husband.family, "female")
        if self.rng.random() < chance and married != wife.family:
            wife.birth_family = wife.family
            wife.family = married
            if wife.title != "Dr":
                wife.title = "Mrs" if self.rng.random() < 0.85 else "Ms"

    def _community(self) -> str:
        return self.rng.choices(self.communities, cum_weights=self.community_cw)[0]

    def _household(self, kind: str) -> Household:
        hh = Household(len(self.households), kind, self.book.new())
        self.households.append(hh)
        if self.rng.random() < 0.06:
            hh.landline = self.landlines() or ""
        return hh

    # --- households -----------------------------------------------------------------------
    def _couple(self, hh: Household, community: str, age: int) -> tuple[Person, Person]:
        rng = self.rng
        man = self._person(hh, community, "male", age + rng.randint(-2, 6))
        partner_community = community if rng.random() < 0.9 else self._community()
        woman = self._person(hh, partner_community, "female", age)
        self._marry(man, woman)
        return man, woman

    def _children(
        self, hh: Household, father: Person | None, mother: Person, count: int, twins: bool
    ) -> list[Person]:
        rng = self.rng
        c = BY_KEY[(father or mother).community]
        if father is not None and c.patronymic:
            surname = father.given
        elif father is not None:
            surname = father.family
        else:
            surname = mother.family
        stepfamily = father is not None and rng.random() < 0.06
        legal = self._family(c) if stepfamily else surname
        mother_age = mother.age
        kids: list[Person] = []
        ages = sorted(rng.randint(0, max(0, min(17, mother_age - 19))) for _ in range(count))
        for i, age in enumerate(ages):
            sex = rng.choice(("male", "female"))
            if twins and i == 1:
                twin = kids[0]
                kid = self._person(hh, c.key, sex, age, family=legal, dob=twin.dob)
                while kid.given == twin.given:
                    kid.given = self._given(c, sex, kid.dob)
                kid.twin_of, twin.twin_of = twin.index, kid.index
            else:
                kid = self._person(hh, c.key, sex, age, family=legal)
            if stepfamily:
                kid.preferred_family = self._gendered(c, surname, sex)
            kids.append(kid)
        if len(kids) > 1:
            self.sibling_groups += 1
            for kid in kids:
                kid.sibling_group = self.sibling_groups
        return kids

    def _make(self, kind: str) -> Household:
        rng = self.rng
        community = self._community()
        hh = self._household(kind)
        if kind in ("single_young", "single_mid", "single_old", "common_single"):
            age = {
                "single_young": rng.randint(18, 34),
                "single_mid": rng.randint(35, 64),
                "single_old": rng.randint(65, 99),
                "common_single": rng.randint(20, 80),
            }[kind]
            sex = rng.choice(("male", "female"))
            home: Household | None = None
            if kind == "single_young" and self.family_homes and rng.random() < _LEFT_HOME_RATE:
                # A young adult who left the family home: old records still put them there.
                home = self.households[rng.choice(self.family_homes)]
            if home is not None:
                parent = self.people[home.members[0]]
                p = self._person(hh, parent.community, sex, age, family=parent.family)
                p.previous_address = home.address
            else:
                p = self._person(hh, community, sex, age)
            if kind == "common_single":
                self._make_common(p, 0)
        elif kind in ("couple", "older_couple", "moved_couple"):
            age = rng.randint(22, 64) if kind != "older_couple" else rng.randint(65, 95)
            self._couple(hh, community, age)
        elif kind in ("family", "twin_family", "single_parent", "multigen"):
            mother_age = rng.randint(23, 50)
            if kind == "multigen":
                gran = self._person(hh, community, "female", mother_age + rng.randint(22, 35))
                if rng.random() < 0.5:
                    grandad = self._person(hh, community, "male", gran.age + rng.randint(0, 5))
                    self._marry(grandad, gran)
            if kind == "single_parent":
                father, mother = None, self._person(hh, community, "female", mother_age)
            else:
                father, mother = self._couple(hh, community, mother_age)
            twins = kind == "twin_family" or rng.random() < _TWIN_RATE
            count = rng.choice((1, 2, 2, 2, 3, 3, 4))
            self._children(hh, father, mother, max(count, 2) if twins else count, twins)
            self.family_homes.append(hh.index)
        elif kind == "adult_children":
            father, mother = self._couple(hh, community, rng.randint(42, 62))
            kids = [
                self._person(hh, community, rng.choice(("male", "female")), rng.randint(18, 30))
                for _ in range(rng.choice((1, 2, 2)))
            ]
            for kid in kids:
                kid.family = self._gendered(BY_KEY[community], father.family, kid.sex)
            if len(kids) > 1:
                self.sibling_groups += 1
                for kid in kids:
                    kid.sibling_group = self.sibling_groups
            self.family_homes.append(hh.index)
        elif kind == "sharers":
            for _ in range(rng.randint(2, 4)):
                self._person(
                    hh, self._community(), rng.choice(("male", "female")), rng.randint(19, 30)
                )
        elif kind == "father_son":
            father_age = rng.randint(45, 75)
            father = self._person(hh, community, "male", father_age)
            if rng.random() < 0.7:
                mother = self._person(hh, community, "female", father_age - rng.randint(0, 5))
                self._marry(father, mother)
            son_age = max(18, father_age - rng.randint(20, 34))
            son = self._person(hh, community, "male", son_age, family=father.family)
            son.given = father.given
            son.known_as = ""
            if rng.random() < 0.5 or son.middle == son.given:
                son.middle = father.middle
            father.suffix, son.suffix = "Snr", "Jr"
            father.father_son_of, son.father_son_of = son.index, father.index
        else:  # pragma: no cover - the kinds are listed above
            raise ValueError(kind)
        moved = kind == "moved_couple" or rng.random() < _MOVE_RATE
        if moved:
            previous = self.book.elsewhere()
            for i in hh.members:
                if self.people[i].previous_address < 0:
                    self.people[i].previous_address = previous
        # Only people living without relatives are renamed, so no family's surnames disagree.
        alone = kind in ("single_young", "single_mid", "single_old", "sharers")
        if alone and rng.random() < _COMMON_RATE:
            which = rng.randrange(len(COMMON_FULL_NAMES))
            self._make_common(self.people[hh.members[0]], which)
        return hh

    def _make_common(self, person: Person, which: int) -> None:
        community, sex, given, family = COMMON_FULL_NAMES[which]
        person.community, person.sex, person.given, person.family = community, sex, given, family
        person.birth_family = ""
        person.known_as = ""
        if person.age >= 18:
            person.title = "Mr" if sex == "male" else "Ms"
        person.common = True

    def build(self) -> Population:
        n = 0
        while len(self.people) < self.target:
            if n < len(_GUARANTEED):
                kind = _GUARANTEED[n]
            else:
                kind = self.rng.choices(self.kinds, cum_weights=self.kind_cw)[0]
            self._make(kind)
            n += 1
        self._trim()
        self._mark_common_names()
        return Population(self.people, self.households, self.book)

    def _trim(self) -> None:
        """Cut the last household so the borough has exactly the people asked for."""
        extra = len(self.people) - self.target
        if extra <= 0:
            return
        gone = {p.index for p in self.people[-extra:]}
        del self.people[-extra:]
        last = self.households[-1]
        last.members = [i for i in last.members if i not in gone]
        for p in self.people:
            if p.twin_of in gone:
                p.twin_of = -1
            if p.father_son_of in gone:
                p.father_son_of = -1
        for group in {p.sibling_group for p in self.people if p.household == last.index}:
            kids = [i for i in last.members if self.people[i].sibling_group == group]
            if group >= 0 and len(kids) < 2:
                for i in kids:
                    self.people[i].sibling_group = -1

    def _mark_common_names(self) -> None:
        """Anyone whose full name is shared with two or more other residents is a common name."""
        counts: dict[tuple[str, str], int] = {}
        for p in self.people:
            key = (p.given, p.family)
            counts[key] = counts.get(key, 0) + 1
        # "Common" scales with the borough: shared by at least 3 people and 1 in 2,000.
        threshold = max(3, len(self.people) // 2000)
        for p in self.people:
            count = counts[(p.given, p.family)]
            if count >= threshold:
                p.common = True
            elif p.common and count < 2:
                p.common = False


def build_population(people: int, seed: int) -> Population:
    """Make Northbridge's residents and households for ``seed``; the same seed, the same borough.

    ``people`` is exact: the last household is trimmed to fit.
    """
    return _Builder(people, seed).build()
