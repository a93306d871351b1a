"""The Home Office offence classification: offence code -> description, group, subgroup and
police.uk category.

Reference data, not crime records. Compiled from the Home Office Counting Rules offence
classification as redistributed with the police recorded crime open data tables
(``CrimeCatMappings.csv`` of the ``crime-sim-toolkit`` package, itself from Home Office
documentation); police.uk category names are normalised to police.uk's spelling. Codes combined
by the Home Office in the open data tables (e.g. homicide "1/4.1/4.10/4.2") are kept as published.
"""

from __future__ import annotations

from typing import NamedTuple


class Offence(NamedTuple):
    description: str
    group: str
    subgroup: str
    police_uk_category: str


OFFENCES: dict[str, Offence] = {
    "1/4.1/4.10/4.2": Offence(
        "Homicide", "Violence against the person", "Homicide", "Violence and sexual offences"
    ),
    "104": Offence(
        "Assault without injury on a constable",
        "Violence against the person",
        "Violence without injury",
        "Violence and sexual offences",
    ),
    "105A": Offence(
        "Assault without injury",
        "Violence against the person",
        "Violence without injury",
        "Violence and sexual offences",
    ),
    "105B": Offence(
        "Racially or religiously aggravated assault without injury",
        "Violence against the person",
        "Violence without injury",
        "Violence and sexual offences",
    ),
    "106": Offence(
        "Modern slavery",
        "Violence against the person",
        "Violence without injury",
        "Violence and sexual offences",
    ),
    "10A": Offence(
        "Possession of firearms with intent",
        "Possession of weapons offences",
        "Possession of weapons offences",
        "Possession of weapons",
    ),
    "10B": Offence(
        "Possession of firearms offences",
        "Possession of weapons offences",
        "Possession of weapons offences",
        "Possession of weapons",
    ),
    "10C": Offence(
        "Possession of other weapons",
        "Possession of weapons offences",
        "Possession of weapons offences",
        "Possession of weapons",
    ),
    "10D": Offence(
        "Possession of article with blade or point",
        "Possession of weapons offences",
        "Possession of weapons offences",
        "Possession of weapons",
    ),
    "11A": Offence(
        "Cruelty to children/young persons",
        "Violence against the person",
        "Violence without injury",
        "Violence and sexual offences",
    ),
    "126": Offence(
        "Interfering with a motor vehicle",
        "Theft offences",
        "Vehicle interference",
        "Vehicle crime",
    ),
    "13": Offence(
        "Child abduction",
        "Violence against the person",
        "Violence without injury",
        "Violence and sexual offences",
    ),
    "14": Offence(
        "Procuring illegal abortion",
        "Violence against the person",
        "Violence without injury",
        "Violence and sexual offences",
    ),
    "15": Offence(
        "Concealing an infant death close to birth",
        "Miscellaneous crimes",
        "Miscellaneous crimes",
        "Other crime",
    ),
    "17A": Offence(
        "Sexual assault on a male aged 13 and over",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "17B": Offence(
        "Sexual assault on a male child under 13",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "19C": Offence(
        "Rape of a female aged 16 and over",
        "Sexual offences",
        "Rape offences",
        "Violence and sexual offences",
    ),
    "19D": Offence(
        "Rape of a female child under 16",
        "Sexual offences",
        "Rape offences",
        "Violence and sexual offences",
    ),
    "19E": Offence(
        "Rape of a female child under 13",
        "Sexual offences",
        "Rape offences",
        "Violence and sexual offences",
    ),
    "19F": Offence(
        "Rape of a male aged 16 and over",
        "Sexual offences",
        "Rape offences",
        "Violence and sexual offences",
    ),
    "19G": Offence(
        "Rape of a male child under 16",
        "Sexual offences",
        "Rape offences",
        "Violence and sexual offences",
    ),
    "19H": Offence(
        "Rape of a male child under 13",
        "Sexual offences",
        "Rape offences",
        "Violence and sexual offences",
    ),
    "2": Offence(
        "Attempted murder",
        "Violence against the person",
        "Violence with injury",
        "Violence and sexual offences",
    ),
    "20A": Offence(
        "Sexual assault on a female aged 13 and over",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "20B": Offence(
        "Sexual assault on a female child under 13",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "21": Offence(
        "Sexual activity involving a child under 13",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "22A": Offence(
        "Causing sexual activity without consent",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "22B": Offence(
        "Sexual activity involving child under 16",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "23": Offence(
        "Incest or familial sexual offences",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "24": Offence(
        "Exploitation of prostitution",
        "Miscellaneous crimes",
        "Miscellaneous crimes",
        "Other crime",
    ),
    "26": Offence("Bigamy", "Miscellaneous crimes", "Miscellaneous crimes", "Other crime"),
    "27": Offence(
        "Soliciting for the purposes of prostitution",
        "Miscellaneous crimes",
        "Miscellaneous crimes",
        "Other crime",
    ),
    "28A": Offence(
        "Burglary in a dwelling(outcome only)", "Theft offences", "Domestic burglary", "Burglary"
    ),
    "28B": Offence(
        "Attempted burglary in a dwelling (outcome only)",
        "Theft offences",
        "Domestic burglary",
        "Burglary",
    ),
    "28C": Offence(
        "Distraction burglary in a dwelling (outcome only)",
        "Theft offences",
        "Domestic burglary",
        "Burglary",
    ),
    "28D": Offence(
        "Attempted distraction burglary in a dwelling (outcome only)",
        "Theft offences",
        "Domestic burglary",
        "Burglary",
    ),
    "28E": Offence("Burglary Residential", "Theft offences", "Domestic burglary", "Burglary"),
    "28F": Offence(
        "Attempted Burglary Residential", "Theft offences", "Domestic burglary", "Burglary"
    ),
    "28G": Offence(
        "Distraction Burglary Residential", "Theft offences", "Domestic burglary", "Burglary"
    ),
    "28H": Offence(
        "Attempted Distraction Burglary Residential",
        "Theft offences",
        "Domestic burglary",
        "Burglary",
    ),
    "29": Offence(
        "Aggravated burglary in a dwelling (outcome only)",
        "Theft offences",
        "Domestic burglary",
        "Burglary",
    ),
    "29A": Offence(
        "Aggravated Burglary Residential", "Theft offences", "Domestic burglary", "Burglary"
    ),
    "30A": Offence(
        "Burglary in a building other than a dwelling (outcome only)",
        "Theft offences",
        "Non-domestic burglary",
        "Burglary",
    ),
    "30B": Offence(
        "Attempted burglary in a building other than a dwelling (outcome only)",
        "Theft offences",
        "Non-domestic burglary",
        "Burglary",
    ),
    "30C": Offence(
        "Burglary Business and Community", "Theft offences", "Non-domestic burglary", "Burglary"
    ),
    "30D": Offence(
        "Attempted Burglary Business and Community",
        "Theft offences",
        "Non-domestic burglary",
        "Burglary",
    ),
    "31": Offence(
        "Aggravated burglary in a building other than a dwelling(outcome only)",
        "Theft offences",
        "Non-domestic burglary",
        "Burglary",
    ),
    "31A": Offence(
        "Aggravated Burglary Business and Community",
        "Theft offences",
        "Non-domestic burglary",
        "Burglary",
    ),
    "33": Offence(
        "Going equipped for stealing, etc",
        "Miscellaneous crimes",
        "Miscellaneous crimes",
        "Other crime",
    ),
    "33A": Offence(
        "Making, supplying or possessing articles for use in fraud",
        "Miscellaneous crimes",
        "Miscellaneous crimes",
        "Other crime",
    ),
    "34A": Offence(
        "Robbery of business property", "Robbery", "Robbery of business property", "Robbery"
    ),
    "34B": Offence(
        "Robbery of personal property", "Robbery", "Robbery of personal property", "Robbery"
    ),
    "35": Offence("Blackmail", "Theft offences", "Other theft offences", "Other theft"),
    "36": Offence(
        "Kidnapping",
        "Violence against the person",
        "Violence without injury",
        "Violence and sexual offences",
    ),
    "37.1": Offence(
        "Causing death by aggravated vehicle taking",
        "Violence against the person",
        "Violence with injury",
        "Violence and sexual offences",
    ),
    "37.2": Offence(
        "Aggravated vehicle taking", "Theft offences", "Theft of a motor vehicle", "Vehicle crime"
    ),
    "38": Offence(
        "Profiting from or concealing knowledge of the proceeds of crime",
        "Miscellaneous crimes",
        "Miscellaneous crimes",
        "Other crime",
    ),
    "39": Offence(
        "Theft from the person", "Theft offences", "Theft from the person", "Theft from the person"
    ),
    "3A": Offence(
        "Conspiracy to murder",
        "Violence against the person",
        "Violence without injury",
        "Violence and sexual offences",
    ),
    "3B": Offence(
        "Threats to kill",
        "Violence against the person",
        "Violence without injury",
        "Violence and sexual offences",
    ),
    "4.3": Offence(
        "Intentional destruction of a viable unborn child",
        "Violence against the person",
        "Violence with injury",
        "Violence and sexual offences",
    ),
    "4.4": Offence(
        "Causing death or serious injury by dangerous driving",
        "Violence against the person",
        "Violence with injury",
        "Violence and sexual offences",
    ),
    "4.6": Offence(
        "Causing death by careless driving under influence of drink or drugs",
        "Violence against the person",
        "Violence with injury",
        "Violence and sexual offences",
    ),
    "4.7": Offence(
        "Causing or allowing death of child or vulnerable person",
        "Violence against the person",
        "Violence with injury",
        "Violence and sexual offences",
    ),
    "4.8": Offence(
        "Causing death by careless or inconsiderate driving",
        "Violence against the person",
        "Violence with injury",
        "Violence and sexual offences",
    ),
    "4.9": Offence(
        "Causing death by driving: unlicensed or disqualified or uninsured drivers",
        "Violence against the person",
        "Violence with injury",
        "Violence and sexual offences",
    ),
    "40": Offence(
        "Theft in a dwelling other than from an automatic machine or meter",
        "Theft offences",
        "Other theft offences",
        "Other theft",
    ),
    "41": Offence("Theft by an employee", "Theft offences", "Other theft offences", "Other theft"),
    "42": Offence("Theft of mail", "Theft offences", "Other theft offences", "Other theft"),
    "43": Offence(
        "Dishonest use of electricity", "Theft offences", "Other theft offences", "Other theft"
    ),
    "44": Offence(
        "Theft or unauthorised taking of a pedal cycle",
        "Theft offences",
        "Bicycle theft",
        "Bicycle theft",
    ),
    "45": Offence("Theft from vehicle", "Theft offences", "Theft from a vehicle", "Vehicle crime"),
    "46": Offence("Shoplifting", "Theft offences", "Shoplifting", "Shoplifting"),
    "47": Offence(
        "Theft from automatic machine or meter",
        "Theft offences",
        "Other theft offences",
        "Other theft",
    ),
    "48": Offence(
        "Theft or unauthorised taking of motor vehicle",
        "Theft offences",
        "Theft of a motor vehicle",
        "Vehicle crime",
    ),
    "49": Offence("Other theft", "Theft offences", "Other theft offences", "Other theft"),
    "49A": Offence(
        "Making off without payment", "Theft offences", "Other theft offences", "Other theft"
    ),
    "54": Offence(
        "Handling stolen goods", "Miscellaneous crimes", "Miscellaneous crimes", "Other crime"
    ),
    "56A": Offence(
        "Arson endangering life", "Criminal damage and arson", "Arson", "Criminal damage and arson"
    ),
    "56B": Offence(
        "Arson not endangering life",
        "Criminal damage and arson",
        "Arson",
        "Criminal damage and arson",
    ),
    "58A": Offence(
        "Criminal damage to a dwelling",
        "Criminal damage and arson",
        "Criminal damage",
        "Criminal damage and arson",
    ),
    "58B": Offence(
        "Criminal damage to a building other than a dwelling",
        "Criminal damage and arson",
        "Criminal damage",
        "Criminal damage and arson",
    ),
    "58C": Offence(
        "Criminal damage to a vehicle",
        "Criminal damage and arson",
        "Criminal damage",
        "Criminal damage and arson",
    ),
    "58D": Offence(
        "Other criminal damage",
        "Criminal damage and arson",
        "Criminal damage",
        "Criminal damage and arson",
    ),
    "58J": Offence(
        "Racially or religiously aggravated criminal damage",
        "Criminal damage and arson",
        "Criminal damage",
        "Criminal damage and arson",
    ),
    "59": Offence(
        "Threat or possession with intent to commit criminal damage",
        "Miscellaneous crimes",
        "Miscellaneous crimes",
        "Other crime",
    ),
    "5D": Offence(
        "Assault with intent to cause serious harm",
        "Violence against the person",
        "Violence with injury",
        "Violence and sexual offences",
    ),
    "5E": Offence(
        "Endangering life",
        "Violence against the person",
        "Violence with injury",
        "Violence and sexual offences",
    ),
    "60": Offence(
        "Forgery or use of false drug prescription",
        "Miscellaneous crimes",
        "Miscellaneous crimes",
        "Other crime",
    ),
    "61": Offence("Other forgery", "Miscellaneous crimes", "Miscellaneous crimes", "Other crime"),
    "61A": Offence(
        "Possession of false documents",
        "Miscellaneous crimes",
        "Miscellaneous crimes",
        "Other crime",
    ),
    "62A": Offence(
        "Violent disorder", "Public order offences", "Public order offences", "Public order"
    ),
    "66": Offence(
        "Other offences against the State or public order",
        "Public order offences",
        "Public order offences",
        "Public order",
    ),
    "67": Offence("Perjury", "Miscellaneous crimes", "Miscellaneous crimes", "Other crime"),
    "69": Offence(
        "Offender Management Act offences",
        "Miscellaneous crimes",
        "Miscellaneous crimes",
        "Other crime",
    ),
    "70": Offence(
        "Sexual activity etc with a person with a mental disorder",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "71": Offence(
        "Abuse of children through sexual exploitation",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "72": Offence(
        "Trafficking for sexual exploitation",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "73": Offence(
        "Abuse of position of trust of a sexual nature",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "76": Offence("Aiding suicide", "Miscellaneous crimes", "Miscellaneous crimes", "Other crime"),
    "79": Offence(
        "Perverting the course of justice",
        "Miscellaneous crimes",
        "Miscellaneous crimes",
        "Other crime",
    ),
    "80": Offence(
        "Absconding from lawful custody",
        "Miscellaneous crimes",
        "Miscellaneous crimes",
        "Other crime",
    ),
    "802": Offence(
        "Dangerous driving", "Miscellaneous crimes", "Miscellaneous crimes", "Other crime"
    ),
    "81": Offence(
        "Other firearms offences",
        "Possession of weapons offences",
        "Possession of weapons offences",
        "Possession of weapons",
    ),
    "814": Offence(
        "Fraud, forgery etc associated with vehicle or driver records",
        "Miscellaneous crimes",
        "Miscellaneous crimes",
        "Other crime",
    ),
    "83": Offence("Bail offences", "Miscellaneous crimes", "Miscellaneous crimes", "Other crime"),
    "86": Offence(
        "Obscene publications etc", "Miscellaneous crimes", "Miscellaneous crimes", "Other crime"
    ),
    "88A": Offence(
        "Sexual grooming",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "88C": Offence(
        "Other miscellaneous sexual offences",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "88D": Offence(
        "Unnatural sexual offences",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "88E": Offence(
        "Exposure and voyeurism",
        "Sexual offences",
        "Other sexual offences",
        "Violence and sexual offences",
    ),
    "8L": Offence(
        "Harassment",
        "Violence against the person",
        "Stalking and harassment",
        "Violence and sexual offences",
    ),
    "8M": Offence(
        "Racially or religiously aggravated harassment",
        "Violence against the person",
        "Stalking and harassment",
        "Violence and sexual offences",
    ),
    "8N": Offence(
        "Assault with injury",
        "Violence against the person",
        "Violence with injury",
        "Violence and sexual offences",
    ),
    "8P": Offence(
        "Racially or religiously aggravated assault with injury",
        "Violence against the person",
        "Violence with injury",
        "Violence and sexual offences",
    ),
    "8Q": Offence(
        "Stalking",
        "Violence against the person",
        "Stalking and harassment",
        "Violence and sexual offences",
    ),
    "8R": Offence(
        "Malicious Communications",
        "Violence against the person",
        "Stalking and harassment",
        "Violence and sexual offences",
    ),
    "8S": Offence(
        "Assault with injury on a constable",
        "Violence against the person",
        "Violence with injury",
        "Violence and sexual offences",
    ),
    "90": Offence(
        "Other knives offences",
        "Possession of weapons offences",
        "Possession of weapons offences",
        "Possession of weapons",
    ),
    "92A": Offence(
        "Trafficking in controlled drugs", "Drug offences", "Trafficking of drugs", "Drugs"
    ),
    "92C": Offence("Other drug offences", "Drug offences", "Possession of drugs", "Drugs"),
    "92D": Offence(
        "Possession of controlled drugs (excl. Cannabis)",
        "Drug offences",
        "Possession of drugs",
        "Drugs",
    ),
    "92E": Offence(
        "Possession of controlled drugs (Cannabis)", "Drug offences", "Possession of drugs", "Drugs"
    ),
    "95": Offence(
        "Disclosure, obstruction, false or misleading statements etc",
        "Miscellaneous crimes",
        "Miscellaneous crimes",
        "Other crime",
    ),
    "96": Offence("Wildlife", "Miscellaneous crimes", "Miscellaneous crimes", "Other crime"),
    "99": Offence(
        "Other notifiable offences", "Miscellaneous crimes", "Miscellaneous crimes", "Other crime"
    ),
    "9A": Offence(
        "Public fear, alarm or distress",
        "Public order offences",
        "Public order offences",
        "Public order",
    ),
    "9B": Offence(
        "Racially or religiously aggravated public fear, alarm or distress",
        "Public order offences",
        "Public order offences",
        "Public order",
    ),
    "AF": Offence(
        "Fraud offences recorded by Action Fraud",
        "Fraud offences",
        "Fraud: action fraud",
        "Other crime",
    ),
    "CIFAS": Offence(
        "Fraud offences recorded by CIFAS", "Fraud offences", "Fraud: CIFAS", "Other crime"
    ),
    "FFA UK": Offence(
        "Fraud offences recorded by Financial Fraud Action UK",
        "Fraud offences",
        "Fraud: Financial Fraud Action UK",
        "Other crime",
    ),
    "UK Finance": Offence(
        "Fraud offences recorded by UK Finance",
        "Fraud offences",
        "Fraud: UK Finance",
        "Other crime",
    ),
}

OFFENCE_CODES = frozenset(OFFENCES)
OFFENCE_SUBGROUPS = frozenset(o.subgroup for o in OFFENCES.values())
OFFENCE_GROUPS = frozenset(o.group for o in OFFENCES.values())

# Home Office "neighbourhood crime": residential burglary, vehicle offences, theft from the
# person and robbery of personal property, as offence subgroups of the open data tables.
NEIGHBOURHOOD_CRIME_SUBGROUPS = (
    "Domestic burglary",
    "Theft from a vehicle",
    "Theft of a motor vehicle",
    "Vehicle interference",
    "Theft from the person",
    "Robbery of personal property",
)
