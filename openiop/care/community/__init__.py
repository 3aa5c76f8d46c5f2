"""Community support: peer meetings per week by kind (a week without a record is "not
recorded", never zero), sponsor or mentor, sober supports, family, self-reported last use."""
