-- Things real schemas have, in MariaDB's own DDL.
CREATE TABLE `user` (
  id CHAR(36) NOT NULL,
  `userName` VARCHAR(100) NOT NULL,
  email VARCHAR(255) NOT NULL,
  `isActive` BOOLEAN NOT NULL DEFAULT TRUE,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  avatar BLOB,
  settings JSON NOT NULL DEFAULT '{}',
  manager_id CHAR(36) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY user_email_unique (email),
  CONSTRAINT user_manager_fk FOREIGN KEY (manager_id) REFERENCES `user` (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE user_profile (
  user_id CHAR(36) NOT NULL PRIMARY KEY,
  bio TEXT,
  birthday DATE,
  `Website` VARCHAR(200),
  FOREIGN KEY (user_id) REFERENCES `user` (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `group` (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(50) NOT NULL,
  parent_id INT UNSIGNED NULL,
  `select` TINYINT(1) NOT NULL DEFAULT 0,
  FOREIGN KEY (parent_id) REFERENCES `group` (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE group_member (
  group_id INT UNSIGNED NOT NULL,
  user_id CHAR(36) NOT NULL,
  PRIMARY KEY (group_id, user_id),
  FOREIGN KEY (group_id) REFERENCES `group` (id) ON DELETE CASCADE,
  FOREIGN KEY (user_id) REFERENCES `user` (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `order` (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `select` VARCHAR(20) NOT NULL DEFAULT 'standard',
  status ENUM('new','paid','shipped','cancelled') NOT NULL DEFAULT 'new',
  total DECIMAL(12,4) NOT NULL DEFAULT 0,
  `placedAt` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  customer_id CHAR(36) NULL,
  note TEXT,
  external_ref UUID NULL,
  `from` DATE NULL,
  paid BOOLEAN DEFAULT FALSE,
  UNIQUE KEY order_customer_ref_key (customer_id, external_ref),
  CONSTRAINT order_customer_fk FOREIGN KEY (customer_id) REFERENCES `user` (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `OrderLine` (
  `orderId` BIGINT NOT NULL,
  `lineNo` INT NOT NULL,
  sku VARCHAR(32) NOT NULL,
  qty INT NOT NULL DEFAULT 1 CHECK (qty > 0),
  price DECIMAL(12,4) NOT NULL,
  PRIMARY KEY (`orderId`, `lineNo`),
  FOREIGN KEY (`orderId`) REFERENCES `order` (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_log (
  at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  message TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE setting (
  `key` VARCHAR(64) NOT NULL PRIMARY KEY,
  value JSON,
  `Flag` BOOLEAN DEFAULT FALSE,
  ratio DOUBLE,
  weight FLOAT,
  small SMALLINT DEFAULT 0,
  big BIGINT,
  opens TIME,
  `blob` LONGBLOB
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
