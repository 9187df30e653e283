META
key;value
description;Municipal PB in Warszawa, district Bemowo (hand-written example in pabulib layout, not real data)
country;Poland
unit;Warszawa
subunit;Bemowo
instance;2023
district;Bemowo
num_projects;8
num_votes;30
budget;1500000
vote_type;approval
rule;greedy
date_begin;2022-06-15
date_end;2022-06-30
min_length;1
max_length;10
language;polish
edition;10
PROJECTS
project_id;cost;votes;name;category;target;selected
1;600000;11;Park kieszonkowy przy ul. Powstańców Śląskich;environmental protection,public space;adults,seniors;1
2;450000;8;"Rowerowy Bemowo; nowe stojaki i naprawialnia";public transit and roads;adults,youth;1
3;300000;8;Zajęcia sportowe dla seniorów;sport,health;seniors;0
4;250000;10;Nowe ławki na Górczewskiej;public space;adults,seniors,people with disabilities;1
5;200000;7;Kino plenerowe;culture;adults,children,youth;1
6;150000;5;Warsztaty kulinarne;education,culture;adults;0
7;900000;7;Skatepark;sport;youth,children;0
8;80000;7;Budki lęgowe dla ptaków;environmental protection;children;0
VOTES
voter_id;age;sex;voting_method;vote
1000;34;F;internet;1,3,4
1001;51;M;paper;1,2
1002;17;M;internet;7
1003;19;F;internet;7,5
1004;66;F;paper;1,4,8
1005;42;M;internet;2,6
1006;71;F;paper;3,4
1007;38;M;internet;1,3
1008;16;F;internet;7,2,5
1009;45;F;internet;4,8
1010;29;M;internet;1
1011;33;F;internet;5,6,8
1012;18;M;paper;7
1013;58;F;paper;1,2,3,4
1014;80;M;paper;3
1015;25;F;internet;2,5
1016;22;M;internet;7,8
1017;47;F;internet;1,4
1018;36;M;internet;6
1019;62;F;paper;1,3,4,8
1020;27;M;internet;2
1021;31;F;internet;7,5,6
1022;69;M;paper;4
1023;40;F;internet;1,8
1024;55;M;paper;3,4,5
1025;20;F;internet;2,7
1026;44;M;internet;1,5
1027;9;F;paper;8
1028;53;M;internet;1,2,4
1029;75;F;paper;3,6
