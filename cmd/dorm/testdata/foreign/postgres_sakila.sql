-- A Pagila-like film rental schema, written the way pagila's pagila-schema.sql writes it.
CREATE TYPE mpaa_rating AS ENUM ('G', 'PG', 'PG-13', 'R', 'NC-17');

CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);

CREATE TABLE country (
    country_id serial PRIMARY KEY,
    country text NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE city (
    city_id serial PRIMARY KEY,
    city text NOT NULL,
    country_id integer NOT NULL REFERENCES country (country_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    last_update timestamp with time zone DEFAULT now() NOT NULL
);
CREATE INDEX idx_fk_country_id ON city USING btree (country_id);

CREATE TABLE address (
    address_id serial PRIMARY KEY,
    address text NOT NULL,
    address2 text,
    district text NOT NULL,
    city_id integer NOT NULL REFERENCES city (city_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    postal_code text,
    phone text NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL
);
CREATE INDEX idx_fk_city_id ON address USING btree (city_id);

CREATE TABLE language (
    language_id serial PRIMARY KEY,
    name character(20) NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE actor (
    actor_id serial PRIMARY KEY,
    first_name text NOT NULL,
    last_name text NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL
);
CREATE INDEX idx_actor_last_name ON actor USING btree (last_name);

CREATE TABLE category (
    category_id serial PRIMARY KEY,
    name text NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE film (
    film_id serial PRIMARY KEY,
    title text NOT NULL,
    description text,
    release_year year,
    language_id integer NOT NULL REFERENCES language (language_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    original_language_id integer REFERENCES language (language_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    rental_duration smallint DEFAULT 3 NOT NULL,
    rental_rate numeric(4,2) DEFAULT 4.99 NOT NULL,
    length smallint,
    replacement_cost numeric(5,2) DEFAULT 19.99 NOT NULL,
    rating mpaa_rating DEFAULT 'G'::mpaa_rating,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    special_features text[],
    fulltext tsvector
);
CREATE INDEX idx_title ON film USING btree (title);
CREATE INDEX idx_fk_language_id ON film USING btree (language_id);
CREATE INDEX idx_fk_original_language_id ON film USING btree (original_language_id);
CREATE INDEX film_fulltext_idx ON film USING gist (fulltext);

CREATE TABLE film_actor (
    actor_id integer NOT NULL REFERENCES actor (actor_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    film_id integer NOT NULL REFERENCES film (film_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    PRIMARY KEY (actor_id, film_id)
);
CREATE INDEX idx_fk_film_id ON film_actor USING btree (film_id);

-- pagila's film_category has a last_update column; here it is a pure pivot table, so that
-- it becomes a m:n.
CREATE TABLE film_category (
    film_id integer NOT NULL REFERENCES film (film_id) ON DELETE CASCADE,
    category_id integer NOT NULL REFERENCES category (category_id) ON DELETE CASCADE,
    PRIMARY KEY (film_id, category_id)
);

CREATE TABLE staff (
    staff_id serial PRIMARY KEY,
    first_name text NOT NULL,
    last_name text NOT NULL,
    address_id integer NOT NULL REFERENCES address (address_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    email text,
    store_id integer NOT NULL,
    active boolean DEFAULT true NOT NULL,
    username text NOT NULL,
    password text,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    picture bytea
);

CREATE TABLE store (
    store_id serial PRIMARY KEY,
    manager_staff_id integer NOT NULL REFERENCES staff (staff_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    address_id integer NOT NULL REFERENCES address (address_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    last_update timestamp with time zone DEFAULT now() NOT NULL
);
CREATE UNIQUE INDEX idx_unq_manager_staff_id ON store USING btree (manager_staff_id);

CREATE TABLE customer (
    customer_id serial PRIMARY KEY,
    store_id integer NOT NULL REFERENCES store (store_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    first_name text NOT NULL,
    last_name text NOT NULL,
    email text,
    address_id integer NOT NULL REFERENCES address (address_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    activebool boolean DEFAULT true NOT NULL,
    create_date date DEFAULT CURRENT_DATE NOT NULL,
    last_update timestamp with time zone DEFAULT now(),
    active integer
);
CREATE INDEX idx_last_name ON customer USING btree (last_name);

CREATE TABLE inventory (
    inventory_id serial PRIMARY KEY,
    film_id integer NOT NULL REFERENCES film (film_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    store_id integer NOT NULL REFERENCES store (store_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    last_update timestamp with time zone DEFAULT now() NOT NULL
);
CREATE INDEX idx_store_id_film_id ON inventory USING btree (store_id, film_id);

CREATE TABLE rental (
    rental_id serial PRIMARY KEY,
    rental_date timestamp with time zone NOT NULL,
    inventory_id integer NOT NULL REFERENCES inventory (inventory_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    customer_id integer NOT NULL REFERENCES customer (customer_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    return_date timestamp with time zone,
    staff_id integer NOT NULL REFERENCES staff (staff_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    last_update timestamp with time zone DEFAULT now() NOT NULL
);
CREATE UNIQUE INDEX idx_unq_rental_rental_date_inventory_id_customer_id ON rental USING btree (rental_date, inventory_id, customer_id);

CREATE TABLE payment (
    payment_id serial PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customer (customer_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    staff_id integer NOT NULL REFERENCES staff (staff_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    rental_id integer REFERENCES rental (rental_id) ON UPDATE CASCADE ON DELETE SET NULL,
    amount numeric(5,2) NOT NULL,
    payment_date timestamp with time zone NOT NULL
);

CREATE VIEW actor_info AS
    SELECT a.actor_id, a.first_name, a.last_name, count(fa.film_id) AS films
    FROM actor a LEFT JOIN film_actor fa ON fa.actor_id = a.actor_id
    GROUP BY a.actor_id, a.first_name, a.last_name;

-- Seed data, as a loaded sample database has.
INSERT INTO country (country_id, country) VALUES (1, 'Italy'), (2, 'Japan');
INSERT INTO city (city_id, city, country_id) VALUES (1, 'Roma', 1), (2, 'Tokyo', 2);
INSERT INTO address (address_id, address, district, city_id, postal_code, phone)
    VALUES (1, '47 MySakila Drive', 'Lazio', 1, '00100', '555-0100'), (2, '28 MySQL Boulevard', 'Kanto', 2, NULL, '555-0200');
INSERT INTO language (language_id, name) VALUES (1, 'English'), (2, 'Italian');
INSERT INTO staff (staff_id, first_name, last_name, address_id, email, store_id, username, password, picture, last_update)
    VALUES (1, 'Mike', 'Hillyer', 1, 'mike@sakilastaff.com', 1, 'Mike', '8cb2237d0679ca88db6464eac60da96345513964', '\x89504e470d0a1a0a00ff'::bytea, '2006-02-15 04:57:16+00');
INSERT INTO store (store_id, manager_staff_id, address_id) VALUES (1, 1, 1);
-- as pg_dump does it: the key of the staff/store cycle comes after the data
ALTER TABLE staff ADD CONSTRAINT staff_store_id_fkey FOREIGN KEY (store_id) REFERENCES store (store_id) ON UPDATE CASCADE ON DELETE RESTRICT;
INSERT INTO actor (actor_id, first_name, last_name, last_update) VALUES
    (1, 'PENELOPE', 'GUINESS', '2006-02-15 04:34:33+00'), (2, 'NICK', 'WAHLBERG', '2006-02-15 04:34:33+00');
INSERT INTO category (category_id, name) VALUES (1, 'Action'), (2, 'Comedy'), (3, 'Drama');
INSERT INTO film (film_id, title, description, release_year, language_id, rental_duration, rental_rate, length, replacement_cost, rating, special_features)
    VALUES (1, 'ACADEMY DINOSAUR', 'A Epic Drama of a Feminist', 2006, 1, 6, 0.99, 86, 20.99, 'PG', '{"Deleted Scenes","Behind the Scenes"}');
UPDATE film SET fulltext = to_tsvector('english', title || ' ' || description);
INSERT INTO film_actor (actor_id, film_id) VALUES (1, 1), (2, 1);
INSERT INTO film_category (film_id, category_id) VALUES (1, 1), (1, 3);
INSERT INTO customer (customer_id, store_id, first_name, last_name, email, address_id, create_date, active)
    VALUES (1, 1, 'MARY', 'SMITH', 'MARY.SMITH@sakilacustomer.org', 2, '2006-02-14', 1);
INSERT INTO inventory (inventory_id, film_id, store_id) VALUES (1, 1, 1);
INSERT INTO rental (rental_id, rental_date, inventory_id, customer_id, return_date, staff_id)
    VALUES (1, '2005-05-24 22:53:30+00', 1, 1, '2005-05-26 22:04:30+00', 1);
INSERT INTO payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date)
    VALUES (1, 1, 1, 1, 2.99, '2005-05-25 11:30:37.123456+00');
SELECT setval(pg_get_serial_sequence(t, c), 100) FROM (VALUES
    ('country', 'country_id'), ('city', 'city_id'), ('address', 'address_id'), ('language', 'language_id'),
    ('actor', 'actor_id'), ('category', 'category_id'), ('film', 'film_id'), ('staff', 'staff_id'),
    ('store', 'store_id'), ('customer', 'customer_id'), ('inventory', 'inventory_id'),
    ('rental', 'rental_id'), ('payment', 'payment_id')) AS s(t, c);
