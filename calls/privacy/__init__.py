"""Privacy requests about one phone number: subject access (``archive``) and erasure
(``services.subject_erase``), both finding the calls by the normalised number
(``numbers``)."""
