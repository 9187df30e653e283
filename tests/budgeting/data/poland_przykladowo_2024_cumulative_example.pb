META
key;value
description;Hand-written example in pabulib layout (not real data): cumulative ballots, greedy over the projects scoring at least min_project_score_threshold points
country;Poland
unit;Przykładowo
instance;2024
num_projects;10
num_votes;40
budget;413333
vote_type;cumulative
rule;greedy-threshold
date_begin;2024
date_end;2024
min_length;1
max_length;4
max_sum_points;10
min_project_score_threshold;34
language;polish
currency;PLN
PROJECTS
project_id;cost;votes;score;name;selected
1;100000;11;60;Siłownia plenerowa;1
2;50000;13;59;Ławki przy stawie;1
3;100000;9;42;Warsztaty dla seniorów;1
4;50000;7;36;Nowe drzewa;1
5;20000;8;33;Kino letnie;0
6;40000;5;37;Stojaki rowerowe;1
7;60000;4;18;Plac zabaw;0
8;50000;9;56;Budki dla ptaków;1
9;50000;9;26;Mural;0
10;100000;6;33;Biblioteczka sąsiedzka;0
VOTES
voter_id;vote;points
1;8,4;8,2
2;3,2;8,2
3;2,5;9,1
4;8,9,2;5,3,2
5;10,4,8;7,2,1
6;9;10
7;2;10
8;1,8;5,5
9;4,10;7,3
10;8,9;9,1
11;6;10
12;5,2,9;8,1,1
13;10,9;9,1
14;8,2,7;5,4,1
15;3,5;7,3
16;1,5;7,3
17;2;10
18;1,3;9,1
19;5,9,4;6,3,1
20;8,2;9,1
21;1,4;6,4
22;6,3;5,5
23;7,1,3;6,3,1
24;2;10
25;10,2;6,4
26;6;10
27;1;10
28;4;10
29;8,2;7,3
30;1;10
31;5,10,2,1;5,3,1,1
32;7,3;8,2
33;1,7,2,9;4,3,2,1
34;4;10
35;3,6;8,2
36;8,3;7,3
37;10,9,5;5,3,2
38;3,1;7,3
39;5,9,1;5,3,2
40;6;10
