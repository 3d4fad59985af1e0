/** One issuing company's login at Sendfact: `USER` + its RUC, and its password. */
export interface SendfactCredentials {
  username: string;
  password: string;
}
